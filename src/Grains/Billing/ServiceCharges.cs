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

    public static string EmbeddingKey(Guid documentId, int version) => $"emb:{documentId:N}:{version}";

    public async Task<long> Price(string service) => (await prices.Get()).Price(service, null, time.GetUtcNow());

    /// <summary>Whether the account can pay one unit of <paramref name="service"/> now (always, with billing off).</summary>
    public async Task<bool> MayPay(Guid accountId, string service) =>
        !options.Value.Enabled || await grains.GetGrain<IBalanceGrain>(accountId).CanSpend(await Price(service));

    public async Task<MovementResult?> Charge(Guid accountId, string service, string key, string reference) =>
        options.Value.Enabled ? await Charge(accountId, service, key, reference, await Price(service)) : null;

    /// <summary>Charges <paramref name="tokens"/> of a service priced per 1,000 tokens (an embedding run), rounded up to a micro-rouble.</summary>
    public async Task<MovementResult?> ChargeTokens(Guid accountId, string service, long tokens, string key, string reference) =>
        options.Value.Enabled ? await Charge(accountId, service, key, reference, PriceList.PerThousand(await Price(service), tokens)) : null;

    private async Task<MovementResult?> Charge(Guid accountId, string service, string key, string reference, long amount) =>
        amount <= 0 ? null : await balances.Apply(accountId, new Movement(key, -amount, LedgerKind.Charge, service, reference, MayOverdraw: true));
}
