namespace ReplyX.Desk;

[GenerateSerializer, Alias("ReplyX.Desk.CannedResponsesState")]
public sealed class CannedResponsesState
{
    [Id(0)] public List<CannedResponse> Items { get; set; } = [];
}

/// <summary>An account's canned responses, in grain state; shortcuts are unique per account (case-insensitive).</summary>
[GrainType("canned-responses")]
public sealed class CannedResponsesGrain([PersistentState("canned")] IPersistentState<CannedResponsesState> state) : Grain, ICannedResponsesGrain
{
    private List<CannedResponse> Items => state.State.Items;

    public Task<IReadOnlyList<CannedResponse>> List() =>
        Task.FromResult<IReadOnlyList<CannedResponse>>(Items.OrderBy(c => c.Shortcut, StringComparer.OrdinalIgnoreCase).ToArray());

    public async Task<(CannedChange Result, CannedResponse? Added)> Add(string shortcut, string text)
    {
        if (Items.Count >= ICannedResponsesGrain.MaxPerAccount)
        {
            return (CannedChange.Full, null);
        }
        if (Taken(shortcut, except: null))
        {
            return (CannedChange.ShortcutTaken, null);
        }
        var added = new CannedResponse(Guid.NewGuid(), shortcut, text);
        Items.Add(added);
        await state.WriteStateAsync();
        return (CannedChange.Done, added);
    }

    public async Task<(CannedChange Result, CannedResponse? Changed)> Change(Guid id, string? shortcut, string? text)
    {
        var index = Items.FindIndex(c => c.Id == id);
        if (index < 0)
        {
            return (CannedChange.Missing, null);
        }
        if (shortcut is not null && Taken(shortcut, except: id))
        {
            return (CannedChange.ShortcutTaken, null);
        }
        var changed = Items[index] with { Shortcut = shortcut ?? Items[index].Shortcut, Text = text ?? Items[index].Text };
        Items[index] = changed;
        await state.WriteStateAsync();
        return (CannedChange.Done, changed);
    }

    public async Task<bool> Remove(Guid id)
    {
        if (Items.RemoveAll(c => c.Id == id) == 0)
        {
            return false;
        }
        await state.WriteStateAsync();
        return true;
    }

    private bool Taken(string shortcut, Guid? except) =>
        Items.Any(c => c.Id != except && string.Equals(c.Shortcut, shortcut, StringComparison.OrdinalIgnoreCase));
}
