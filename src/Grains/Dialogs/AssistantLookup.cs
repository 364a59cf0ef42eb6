using ReplyX.Assistants;

namespace ReplyX.Dialogs;

/// <summary>A dialog's assistant settings, reused for a moment: one message asks for them up to three times.</summary>
public sealed class AssistantLookup(IGrainFactory grains, TimeProvider time, TimeSpan reuseFor)
{
    private (Assistant? Value, DateTimeOffset At)? _cached;
    private IAssistantGrain? _grain;

    public async Task<Assistant?> Get(DialogStart start)
    {
        var now = time.GetUtcNow();
        if (_cached is { } cached && now - cached.At < reuseFor)
        {
            return cached.Value;
        }
        // The reference is kept: resolving one reflects in Orleans on every GetGrain.
        _grain ??= grains.GetGrain<IAssistantGrain>(start.AssistantId);
        var value = await _grain.Get(start.AccountId);
        _cached = (value, now);
        return value;
    }
}
