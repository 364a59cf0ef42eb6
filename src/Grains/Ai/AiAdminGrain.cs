using Orleans.Concurrency;
using ReplyX.Security;

namespace ReplyX.Ai;

[GrainType("ai-admin"), StatelessWorker]
public sealed class AiAdminGrain(IAiTokenStore store, IAiUsageStore usage, ISecretProtector secrets, AiRouter router) : Grain, IAiAdminGrain
{
    public async Task<IReadOnlyList<AiUsageDay>> Usage(bool byKey, Guid? id, DateOnly from, DateOnly to)
    {
        var rows = byKey ? await usage.DailyByToken(id, from, to) : await usage.DailyByAccount(id, from, to);
        return rows.Select(r => new AiUsageDay(r.Day, r.Key, r.Calls, r.Failures, r.PromptTokens, r.CompletionTokens)).ToArray();
    }

    public async Task Save(AiTokenSettings settings, string? apiKey)
    {
        var encrypted = apiKey is null ? null : secrets.Protect(apiKey);
        var hint = apiKey is null ? null : Hint(apiKey);
        await store.Save(settings, encrypted is null ? null : hint + "|" + encrypted);
        await GrainFactory.GetGrain<IAiTokenGrain>(settings.Id).Configure(settings);
        router.Invalidate();
    }

    public async Task<bool> Remove(Guid id)
    {
        var existing = await store.Get(id);
        if (existing is null)
        {
            return false;
        }
        await GrainFactory.GetGrain<IAiTokenGrain>(id).Configure(existing.Settings with { Enabled = false });
        var removed = await store.Remove(id);
        router.Invalidate();
        return removed;
    }

    public async Task<IReadOnlyList<AiTokenView>> List()
    {
        var all = await store.List();
        var views = await Task.WhenAll(all.Select(View));
        return views;
    }

    public async Task<AiTokenView?> Get(Guid id) => await store.Get(id) is { } token ? await View(token) : null;

    private async Task<AiTokenView> View(StoredAiToken token) =>
        new(token.Settings, await GrainFactory.GetGrain<IAiTokenGrain>(token.Settings.Id).GetStatus(), token.Hint);

    /// <summary>Enough of the key for an admin to recognise it ("sk-…x7Q2"), never enough to use it.</summary>
    private static string Hint(string key) => key.Length <= 8 ? "…" : $"{key[..3]}…{key[^4..]}";
}
