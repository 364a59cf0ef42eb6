using Microsoft.Extensions.Options;

namespace ReplyX.Billing;

/// <summary>
/// Charges for services priced per unit (a processed document, a bot message sent): the price in force now,
/// once per key. The work is done when it is charged, so a charge may take the balance below zero rather than
/// be lost; what may not be done without money is checked first with <see cref="MayPay"/>.
/// </summary>
public sealed class ServiceCharges(IGrainFactory grains, BalanceCalls balances, PriceCatalog prices, IOptions<BillingOptions> options, TimeProvider time)
{
    public static string DocumentKey(Guid documentId, int version) => $"doc:{documentId:N}:{version}";

    public static string BotMessageKey(Guid dialogId, long seq) => $"bot:{dialogId:N}:{seq}";

    public async Task<long> Price(string service) => (await prices.Get()).Price(service, null, time.GetUtcNow());

    /// <summary>Whether the account can pay one unit of <paramref name="service"/> now (always, with billing off).</summary>
    public async Task<bool> MayPay(Guid accountId, string service) =>
        !options.Value.Enabled || await grains.GetGrain<IBalanceGrain>(accountId).CanSpend(await Price(service));

    public async Task<MovementResult?> Charge(Guid accountId, string service, string key, string reference)
    {
        if (!options.Value.Enabled || await Price(service) is var price && price <= 0)
        {
            return null;
        }
        return await balances.Apply(accountId, new Movement(key, -price, LedgerKind.Charge, service, reference, MayOverdraw: true));
    }
}
