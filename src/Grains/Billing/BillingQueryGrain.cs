using ReplyX.Accounts;

namespace ReplyX.Billing;

/// <summary>Ledger pages and spend per day, read on every silo in parallel.</summary>
[GrainType("billing-query"), Orleans.Concurrency.StatelessWorker]
public sealed class BillingQueryGrain(IBillingStore store, IAccountStore accounts, IPriceStore prices, PriceCatalog catalog, TimeProvider time) : Grain, IBillingQueryGrain
{
    public Task<IReadOnlyList<LedgerEntry>> Ledger(Guid accountId, LedgerQuery query) => store.Ledger(accountId, query);

    public Task<IReadOnlyList<DailySpend>> Spend(Guid accountId, DateOnly from, DateOnly to) => store.Spend(accountId, from, to);

    public async Task<bool> AccountExists(Guid accountId) => await accounts.GetAccount(accountId) is not null;

    public async Task<IReadOnlyList<ServicePrice>> Prices(bool current) =>
        current ? (await catalog.Get()).Current(time.GetUtcNow()) : await prices.All();

    public async Task SetPrice(ServicePrice price)
    {
        await prices.Add(price);
        catalog.Invalidate();
    }
}
