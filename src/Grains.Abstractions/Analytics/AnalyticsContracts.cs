namespace ReplyX.Analytics;

/// <summary>What the platform holds right now.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Analytics.PlatformTotals")]
public sealed record PlatformTotals(
    [property: Id(0)] long Accounts,
    [property: Id(1)] long Users,
    [property: Id(2)] long Dialogs,
    [property: Id(3)] long Messages);

/// <summary>
/// One UTC day of the platform (or of one account): who joined, what was said, what the models used and what
/// the money did. Money is in micro-roubles; revenue is top-ups less refunds, spend is what charges took.
/// </summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Analytics.ActivityDay")]
public sealed record ActivityDay(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] long NewAccounts,
    [property: Id(2)] long NewUsers,
    [property: Id(3)] long NewDialogs,
    [property: Id(4)] long CustomerMessages,
    [property: Id(5)] long AiReplies,
    [property: Id(6)] long OperatorMessages,
    [property: Id(7)] long PromptTokens,
    [property: Id(8)] long CompletionTokens,
    [property: Id(9)] long Revenue,
    [property: Id(10)] long Spend);

/// <summary>One day's dialogs and messages of one assistant on one channel.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Analytics.UsageSlice")]
public sealed record UsageSlice(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] Guid AssistantId,
    [property: Id(2)] string Channel,
    [property: Id(3)] long NewDialogs,
    [property: Id(4)] long CustomerMessages,
    [property: Id(5)] long AiReplies,
    [property: Id(6)] long OperatorMessages);

/// <summary>The admin's analytics overview: totals, and every day of the range (days without activity included).</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Analytics.PlatformOverview")]
public sealed record PlatformOverview(
    [property: Id(0)] DateOnly From,
    [property: Id(1)] DateOnly To,
    [property: Id(2)] PlatformTotals Totals,
    [property: Id(3)] IReadOnlyList<ActivityDay> Days);

/// <summary>An owner's usage: every day of the range, and the same days per assistant and channel.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Analytics.AccountUsage")]
public sealed record AccountUsage(
    [property: Id(0)] DateOnly From,
    [property: Id(1)] DateOnly To,
    [property: Id(2)] IReadOnlyList<ActivityDay> Days,
    [property: Id(3)] IReadOnlyList<UsageSlice> Slices);

/// <summary>Reads the platform's and an account's activity; a stateless worker over the stores, for the dashboards.</summary>
[Alias("ReplyX.Analytics.IAnalyticsGrain")]
public interface IAnalyticsGrain : IGrainWithIntegerKey
{
    [Alias("Overview")]
    Task<PlatformOverview> Overview(DateOnly from, DateOnly to);

    [Alias("Usage")]
    Task<AccountUsage> Usage(Guid accountId, DateOnly from, DateOnly to);
}
