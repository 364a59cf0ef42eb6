using System.Globalization;

namespace ReplyX.Billing;

/// <summary>
/// Money is kept as an integer number of micro-roubles (1 ₽ = 1,000,000 units): the prices of the service are
/// far below a kopeck (an AI message ~0.001 ₽, an embedding ~0.0001 ₽ per 1k tokens), so kopecks would round
/// them away. The API shows a decimal string in roubles with six places ("12.340000") and "RUB".
/// </summary>
public static class Money
{
    public const long UnitsPerRouble = 1_000_000;
    public const int Decimals = 6;
    public const string Currency = "RUB";

    /// <summary>The largest amount one movement may carry (a billion roubles): far from overflowing the balance.</summary>
    public const long MaxAmount = 1_000_000_000L * UnitsPerRouble;

    public static string Format(long units) =>
        (units / (decimal)UnitsPerRouble).ToString("0.000000", CultureInfo.InvariantCulture);

    /// <summary>Parses "12.34" or "12.340000" (roubles, a dot, at most six decimals); false for anything else.</summary>
    public static bool TryParse(string? text, out long units)
    {
        units = 0;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 32
            || !decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var roubles))
        {
            return false;
        }
        var scaled = roubles * UnitsPerRouble;
        if (scaled != decimal.Truncate(scaled) || Math.Abs(scaled) > MaxAmount)
        {
            return false; // finer than a micro-rouble, or absurdly large
        }
        units = (long)scaled;
        return true;
    }
}

/// <summary>What a ledger row records.</summary>
public enum LedgerKind
{
    /// <summary>A service used (an AI reply, a document, a bot message, embeddings): negative.</summary>
    Charge,
    TopUp,
    /// <summary>A payment returned through the gateway: negative.</summary>
    Refund,
    Promo,
    Referral,
    /// <summary>The credit a new account starts with (Billing:WelcomeCredit).</summary>
    Welcome,
    /// <summary>An admin's manual credit or debit, with a reason (audited).</summary>
    Adjustment,
}

/// <summary>The services with a price (service_prices).</summary>
public static class BillingServices
{
    public const string AiMessage = "ai_message";
    public const string AiTokensIn = "ai_tokens_in";
    public const string AiTokensOut = "ai_tokens_out";
    public const string DocumentUpload = "document_upload";
    public const string BotMessage = "bot_message";
    public const string Embedding = "embedding";

    public static readonly IReadOnlyList<string> All = [AiMessage, AiTokensIn, AiTokensOut, DocumentUpload, BotMessage, Embedding];

    /// <summary>Priced per 1,000 tokens rather than per unit.</summary>
    public static bool PerThousandTokens(string service) => service is AiTokensIn or AiTokensOut or Embedding;
}

/// <summary>
/// One change of a balance. <see cref="Key"/> is unique per account: a movement whose key the ledger has seen
/// changes nothing and returns the first result. <see cref="Amount"/> is signed (charges are negative).
/// </summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.Movement")]
public sealed record Movement(
    [property: Id(0)] string Key,
    [property: Id(1)] long Amount,
    [property: Id(2)] LedgerKind Kind,
    [property: Id(3)] string? Service = null,
    [property: Id(4)] string? Reference = null,
    [property: Id(5)] string? Reason = null,
    [property: Id(6)] bool MayOverdraw = false);

/// <summary>A ledger row as stored: the movement and the balance it left.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] long Id,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] long Amount,
    [property: Id(3)] LedgerKind Kind,
    [property: Id(4)] string? Service,
    [property: Id(5)] string? Reference,
    [property: Id(6)] string Key,
    [property: Id(7)] long BalanceAfter,
    [property: Id(8)] DateTimeOffset At,
    [property: Id(9)] string? Reason);

public enum MovementOutcome
{
    Applied,
    /// <summary>The key was seen before: nothing changed, <see cref="MovementResult.Entry"/> is the first result.</summary>
    Duplicate,
    /// <summary>A debit beyond the balance (402): nothing changed.</summary>
    Insufficient,
    /// <summary>A charge beyond the account's daily spending cap: nothing changed.</summary>
    CapReached,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Billing.MovementResult")]
public sealed record MovementResult(
    [property: Id(0)] MovementOutcome Outcome,
    [property: Id(1)] long Balance,
    [property: Id(2)] LedgerEntry? Entry);

/// <summary>An account's balance and limits as its grain holds them.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.BalanceSnapshot")]
public sealed record BalanceSnapshot(
    [property: Id(0)] long Balance,
    [property: Id(1)] long LowThreshold,
    [property: Id(2)] long? DailyCap,
    [property: Id(3)] long SpentToday,
    [property: Id(4)] bool Enabled);

/// <summary>
/// The single writer of one account's balance (key: account id). It keeps the balance in memory, answers "may
/// this be spent?" without a database round trip, and writes movements that arrive together in one
/// transaction (ledger rows and balance), so a hot account is not limited by one commit per charge.
/// </summary>
[Alias("ReplyX.Billing.IBalanceGrain")]
public interface IBalanceGrain : IGrainWithGuidKey
{
    [Alias("Get"), Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<BalanceSnapshot> Get();

    /// <summary>Applies <paramref name="movement"/> once per key; durable when the result is returned.</summary>
    [Alias("Apply")]
    Task<MovementResult> Apply(Movement movement);

    /// <summary>Whether <paramref name="amount"/> may be spent now (balance and today's cap), from memory.</summary>
    [Alias("CanSpend"), Orleans.Concurrency.ReadOnly, Orleans.Concurrency.AlwaysInterleave]
    Task<bool> CanSpend(long amount);

    [Alias("SetLimits")]
    Task<BalanceSnapshot> SetLimits(long lowThreshold, long? dailyCap);

    /// <summary>
    /// Holds <paramref name="amount"/> for work about to be done (an AI call) when the balance, less what is held
    /// already, covers it; the movement with the same <paramref name="key"/> (or <see cref="Release"/>) lets it go.
    /// Holds live in memory only and expire after a few minutes: they guard the balance, they are not money.
    /// </summary>
    [Alias("Reserve")]
    Task<bool> Reserve(string key, long amount);

    [Alias("Release")]
    Task Release(string key);

    /// <summary><see cref="Reserve"/> for several holds at once, in order (a silo's callers combined: <c>BalanceCalls</c>).</summary>
    [Alias("ReserveMany")]
    Task<IReadOnlyList<bool>> ReserveMany(IReadOnlyList<Hold> holds);

    /// <summary><see cref="Apply"/> for several movements at once, in order; durable when the results are returned.</summary>
    [Alias("ApplyMany")]
    Task<IReadOnlyList<MovementResult>> ApplyMany(IReadOnlyList<Movement> movements);
}

/// <summary>An amount held on a balance for work about to be done, until the movement with the same key.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.Hold")]
public sealed record Hold([property: Id(0)] string Key, [property: Id(1)] long Amount);

/// <summary>Filters and position of a page of the ledger, newest first (<see cref="Before"/>: an entry id, the keyset cursor).</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.LedgerQuery")]
public sealed record LedgerQuery(
    [property: Id(0)] int Limit,
    [property: Id(1)] long? Before = null,
    [property: Id(2)] LedgerKind? Kind = null,
    [property: Id(3)] string? Service = null,
    [property: Id(4)] DateTimeOffset? From = null,
    [property: Id(5)] DateTimeOffset? To = null);

/// <summary>What an account spent on one service on one day (charges only, as a positive amount).</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.DailySpend")]
public sealed record DailySpend(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] string Service,
    [property: Id(2)] long Amount,
    [property: Id(3)] long Count);

/// <summary>
/// One price of a service from <see cref="EffectiveFrom"/> on: micro-roubles per unit (per reply, document,
/// message) or per 1,000 tokens (<see cref="BillingServices.PerThousandTokens"/>). <see cref="Model"/> "" is the
/// price for every model without one of its own. A change is a new row: past usage keeps the amounts charged then.
/// </summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.ServicePrice")]
public sealed record ServicePrice(
    [property: Id(0)] string Service,
    [property: Id(1)] string Model,
    [property: Id(2)] long Price,
    [property: Id(3)] DateTimeOffset EffectiveFrom,
    [property: Id(4)] Guid? SetBy = null);

/// <summary>Reads of the ledger and the price list (a stateless worker: the hot balance grain only writes).</summary>
[Alias("ReplyX.Billing.IBillingQueryGrain")]
public interface IBillingQueryGrain : IGrainWithIntegerKey
{
    [Alias("Ledger")]
    Task<IReadOnlyList<LedgerEntry>> Ledger(Guid accountId, LedgerQuery query);

    [Alias("Spend")]
    Task<IReadOnlyList<DailySpend>> Spend(Guid accountId, DateOnly from, DateOnly to);

    [Alias("AccountExists")]
    Task<bool> AccountExists(Guid accountId);

    /// <summary>Every price row, past and future ones included; with <paramref name="current"/>, only those in force now.</summary>
    [Alias("Prices")]
    Task<IReadOnlyList<ServicePrice>> Prices(bool current);

    /// <summary>Adds a price row (a change from its time on); silos see it within half a minute.</summary>
    [Alias("SetPrice")]
    Task SetPrice(ServicePrice price);
}

public enum TopUpOutcome
{
    Created,
    /// <summary>No payment gateway is configured (Billing:YooKassa:ShopId): 503.</summary>
    NotConfigured,
    /// <summary>The amount is outside the allowed range or not whole kopecks: 400.</summary>
    Invalid,
    /// <summary>The gateway refused or could not be reached: 502.</summary>
    GatewayFailed,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Billing.TopUpResult")]
public sealed record TopUpResult(
    [property: Id(0)] TopUpOutcome Outcome,
    [property: Id(1)] string? PaymentId,
    [property: Id(2)] string? ConfirmationUrl,
    [property: Id(3)] string? Error);

public enum NotificationOutcome
{
    /// <summary>Money moved (a top-up credited, a refund debited).</summary>
    Applied,
    /// <summary>Seen before: nothing moved again.</summary>
    Duplicate,
    /// <summary>Not one of ours, not succeeded when asked back, or an event that moves nothing.</summary>
    Ignored,
    /// <summary>The gateway could not be asked back: answer 503 so that it notifies again.</summary>
    RetryLater,
}

/// <summary>Top-ups through the payment gateway and its notifications (a stateless worker).</summary>
[Alias("ReplyX.Billing.IPaymentsGrain")]
public interface IPaymentsGrain : IGrainWithIntegerKey
{
    /// <summary>Starts a top-up of <paramref name="amount"/> micro-roubles; the same <paramref name="clientKey"/> returns the same payment.</summary>
    [Alias("TopUp")]
    Task<TopUpResult> TopUp(Guid accountId, long amount, string clientKey);

    /// <summary>
    /// A notification said <paramref name="event"/> about <paramref name="objectId"/>: nothing in it is believed, the
    /// payment (or refund) is read back from the gateway and only what it confirms moves money, once.
    /// </summary>
    [Alias("Notified")]
    Task<NotificationOutcome> Notified(string @event, string objectId);

    /// <summary>Whether top-ups are possible here and the smallest and largest one, in micro-roubles.</summary>
    [Alias("Limits"), Orleans.Concurrency.ReadOnly]
    Task<TopUpLimits> Limits();
}

[GenerateSerializer, Immutable, Alias("ReplyX.Billing.TopUpLimits")]
public sealed record TopUpLimits([property: Id(0)] bool Available, [property: Id(1)] long Min, [property: Id(2)] long Max);

/// <summary>A promo code: <see cref="Amount"/> micro-roubles, at most <see cref="MaxUses"/> accounts, each once, until <see cref="ExpiresAt"/>.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Billing.PromoCode")]
public sealed record PromoCode(
    [property: Id(0)] string Code,
    [property: Id(1)] long Amount,
    [property: Id(2)] int MaxUses,
    [property: Id(3)] int Uses,
    [property: Id(4)] DateTimeOffset? ExpiresAt,
    [property: Id(5)] Guid? CreatedBy,
    [property: Id(6)] DateTimeOffset CreatedAt);

public enum PromoOutcome
{
    Credited,
    NotFound,
    AlreadyRedeemed,
    Expired,
    UsedUp,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Billing.PromoResult")]
public sealed record PromoResult(
    [property: Id(0)] PromoOutcome Outcome,
    [property: Id(1)] long Amount,
    [property: Id(2)] long Balance);

/// <summary>Promo codes: created by admins, redeemed by accounts (a stateless worker; the store keeps uses exact).</summary>
[Alias("ReplyX.Billing.IPromoGrain")]
public interface IPromoGrain : IGrainWithIntegerKey
{
    /// <summary>False when a code of that name exists.</summary>
    [Alias("Create")]
    Task<bool> Create(PromoCode code);

    [Alias("List")]
    Task<IReadOnlyList<PromoCode>> List();

    [Alias("Redeem")]
    Task<PromoResult> Redeem(Guid accountId, string code);
}
