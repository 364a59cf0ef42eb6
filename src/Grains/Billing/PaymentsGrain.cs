using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Billing;

/// <summary>
/// Top-ups through YooKassa. A notification is never believed on its own word: the payment or refund is read
/// back from YooKassa by id, must be one this platform created, and moves money once by its id as the key.
/// </summary>
[GrainType("payments"), Orleans.Concurrency.StatelessWorker]
public sealed partial class PaymentsGrain(
    YooKassaClient gateway, IPaymentStore payments, IReferralStore referrals, IOptions<YooKassaOptions> options, IOptions<BillingOptions> billing, TimeProvider time,
    ILogger<PaymentsGrain> logger) : Grain, IPaymentsGrain
{
    public static string TopUpKey(string paymentId) => "yookassa:" + paymentId;

    public static string RefundKey(string refundId) => "yookassa-refund:" + refundId;

    public Task<TopUpLimits> Limits()
    {
        var o = options.Value;
        return Task.FromResult(new TopUpLimits(o.Configured, (long)(o.MinTopUp * Money.UnitsPerRouble), (long)(o.MaxTopUp * Money.UnitsPerRouble)));
    }

    public async Task<TopUpResult> TopUp(Guid accountId, long amount, string clientKey)
    {
        var o = options.Value;
        if (!o.Configured)
        {
            return new TopUpResult(TopUpOutcome.NotConfigured, null, null, "Payments are not configured on this platform.");
        }
        var roubles = amount / (decimal)Money.UnitsPerRouble;
        if (roubles < o.MinTopUp || roubles > o.MaxTopUp || decimal.Round(roubles, 2) != roubles)
        {
            return new TopUpResult(TopUpOutcome.Invalid, null, null, $"A top-up is from {o.MinTopUp} to {o.MaxTopUp} RUB, in whole kopecks.");
        }
        if (await payments.ByClientKey(accountId, clientKey) is { } earlier)
        {
            // A retry: the same payment, its confirmation page asked for again (the gateway returns it by the same key).
            clientKey = earlier.ClientKey;
        }
        try
        {
            // One gateway key per account and client key: a retry of the request is the same payment at YooKassa too.
            var created = await gateway.Create(accountId, amount, $"{accountId:N}-{clientKey}");
            await payments.Add(new PaymentRecord(created.Id, accountId, amount, created.Status, clientKey, time.GetUtcNow()));
            return new TopUpResult(TopUpOutcome.Created, created.Id, created.ConfirmationUrl, null);
        }
        catch (GatewayException ex)
        {
            LogGatewayFailed("create a payment", ex.Message);
            return new TopUpResult(TopUpOutcome.GatewayFailed, null, null, ex.Message);
        }
    }

    public async Task<NotificationOutcome> Notified(string @event, string objectId)
    {
        try
        {
            return @event switch
            {
                "payment.succeeded" => await Succeeded(objectId),
                "refund.succeeded" => await Refunded(objectId),
                _ => NotificationOutcome.Ignored, // waiting_for_capture, canceled: nothing to move
            };
        }
        catch (GatewayException ex) when (ex.Transient)
        {
            LogGatewayFailed("read back a " + @event, ex.Message);
            return NotificationOutcome.RetryLater;
        }
    }

    private async Task<NotificationOutcome> Succeeded(string paymentId)
    {
        if (await payments.Get(paymentId) is not { } ours)
        {
            LogIgnored(paymentId, "not a payment of this platform");
            return NotificationOutcome.Ignored;
        }
        var payment = await gateway.Payment(paymentId);
        if (payment is not { Status: "succeeded", Paid: true } || payment.AccountId != ours.AccountId)
        {
            LogIgnored(paymentId, $"the gateway says {payment?.Status ?? "no such payment"}");
            return NotificationOutcome.Ignored;
        }
        var result = await GrainFactory.GetGrain<IBalanceGrain>(ours.AccountId).Apply(
            new Movement(TopUpKey(paymentId), payment.Amount, LedgerKind.TopUp, Reference: "yookassa:" + paymentId));
        await payments.SetStatus(paymentId, "succeeded");
        await ReferralBonus(ours.AccountId);
        return result.Outcome == MovementOutcome.Duplicate ? NotificationOutcome.Duplicate : NotificationOutcome.Applied;
    }

    /// <summary>
    /// The referrer's bonus for an account's first successful top-up: keyed by the referee, so it is paid once
    /// whichever top-up (or retry of its notification) gets here first, and a crash before it is made good by the next.
    /// </summary>
    private async Task ReferralBonus(Guid referee)
    {
        var bonus = billing.Value.ReferralBonusUnits;
        if (bonus <= 0 || await referrals.Referrer(referee) is not { } referrer)
        {
            return;
        }
        await GrainFactory.GetGrain<IBalanceGrain>(referrer).Apply(
            new Movement($"referral:{referee:N}", bonus, LedgerKind.Referral, Reference: $"referral:{referee}"));
    }

    private async Task<NotificationOutcome> Refunded(string refundId)
    {
        var refund = await gateway.Refund(refundId);
        if (refund is not { Status: "succeeded" } || await payments.Get(refund.PaymentId) is not { } ours)
        {
            LogIgnored(refundId, $"refund {refund?.Status ?? "unknown to the gateway"} or of a payment not of this platform");
            return NotificationOutcome.Ignored;
        }
        // The money went back to the payer: it leaves the balance even if already spent (a debt the owner sees).
        var result = await GrainFactory.GetGrain<IBalanceGrain>(ours.AccountId).Apply(
            new Movement(RefundKey(refundId), -refund.Amount, LedgerKind.Refund, Reference: "yookassa:" + refund.PaymentId, MayOverdraw: true));
        return result.Outcome == MovementOutcome.Duplicate ? NotificationOutcome.Duplicate : NotificationOutcome.Applied;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "YooKassa: could not {Action}: {Error}")]
    private partial void LogGatewayFailed(string action, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "YooKassa notification about {Id} ignored: {Reason}")]
    private partial void LogIgnored(string id, string reason);
}
