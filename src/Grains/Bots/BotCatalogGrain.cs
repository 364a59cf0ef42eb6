namespace ReplyX.Bots;

[GrainType("bot-catalog"), Orleans.Concurrency.StatelessWorker]
public sealed class BotCatalogGrain(IBotStore store) : Grain, IBotCatalogGrain
{
    public async Task<IReadOnlyList<Guid>> List(Guid accountId) => (await store.List(accountId)).Select(b => b.Id).ToArray();

    public async Task<IReadOnlyList<Guid>> ListAll(Guid? after, int limit) => (await store.ListAll(after, Math.Clamp(limit, 1, 500))).Select(b => b.Id).ToArray();
}
