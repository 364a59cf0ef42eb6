namespace ReplyX.Billing;

/// <summary>
/// Redeems a code in two steps, each safe to repeat: the store takes a use for the account (atomically, never past
/// the code's uses), then the balance is credited under the key <c>promo:CODE</c>, once per account. An attempt
/// that died between the two is completed by the next one, which finds the use taken and the credit not yet made.
/// </summary>
[GrainType("promo"), Orleans.Concurrency.StatelessWorker]
public sealed class PromoGrain(IPromoStore store, TimeProvider time) : Grain, IPromoGrain
{
    public Task<bool> Create(PromoCode code) => store.Create(code with { Code = PromoCodes.Normalize(code.Code), Uses = 0 });

    public Task<IReadOnlyList<PromoCode>> List() => store.List();

    public async Task<PromoResult> Redeem(Guid accountId, string code)
    {
        code = PromoCodes.Normalize(code);
        var (outcome, promo) = await store.Redeem(code, accountId, time.GetUtcNow());
        if (outcome is not (RedeemOutcome.Taken or RedeemOutcome.AlreadyRedeemed))
        {
            return new PromoResult(outcome switch
            {
                RedeemOutcome.Expired => PromoOutcome.Expired,
                RedeemOutcome.UsedUp => PromoOutcome.UsedUp,
                _ => PromoOutcome.NotFound,
            }, 0, 0);
        }
        var credit = await GrainFactory.GetGrain<IBalanceGrain>(accountId).Apply(
            new Movement(PromoCodes.CreditKey(code), promo!.Amount, LedgerKind.Promo, Reference: "promo:" + code));
        return outcome == RedeemOutcome.AlreadyRedeemed && credit.Outcome == MovementOutcome.Duplicate
            ? new PromoResult(PromoOutcome.AlreadyRedeemed, promo.Amount, credit.Balance)
            : new PromoResult(PromoOutcome.Credited, promo.Amount, credit.Balance);
    }
}
