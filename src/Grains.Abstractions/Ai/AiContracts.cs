namespace ReplyX.Ai;

/// <summary>Providers that speak the OpenAI chat-completions wire protocol (each through its own endpoint).</summary>
public enum AiProviderKind
{
    OpenAi,
    YandexGpt,
    GigaChat,
    Anthropic,
    Custom,
}

/// <summary>One provider API key as configured by an admin. The key itself is stored encrypted, never returned.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Ai.AiTokenSettings")]
public sealed record AiTokenSettings(
    [property: Id(0)] Guid Id,
    [property: Id(1)] AiProviderKind Provider,
    [property: Id(2)] string? BaseUrl,
    [property: Id(3)] IReadOnlyList<string> Models,
    [property: Id(4)] int Priority,
    [property: Id(5)] int? RequestsPerMinute,
    [property: Id(6)] long? TokensPerDay,
    [property: Id(7)] bool Enabled,
    [property: Id(8)] string? FolderId,
    [property: Id(9)] string? Scope,
    [property: Id(10)] string? ProxyUrl,
    [property: Id(11)] string? AuthUrl)
{
    public bool Serves(string model) => Models.Count == 0 || Models.Contains(model, StringComparer.OrdinalIgnoreCase);
}

public enum CircuitState
{
    Closed,
    Open,
    HalfOpen,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Ai.AiTokenStatus")]
public sealed record AiTokenStatus(
    [property: Id(0)] Guid Id,
    [property: Id(1)] CircuitState Circuit,
    [property: Id(2)] int RequestsInWindow,
    [property: Id(3)] long TokensToday,
    [property: Id(4)] int InFlight,
    [property: Id(5)] DateTimeOffset? OpenUntil,
    [property: Id(6)] long TotalRequests,
    [property: Id(7)] long TotalFailures,
    [property: Id(8)] string? LastError);

public enum AcquireOutcome
{
    Granted,
    /// <summary>Requests-per-minute or tokens-per-day used up; <see cref="AcquireResult.RetryAt"/> says when there is room.</summary>
    Exhausted,
    /// <summary>The circuit is open (recent failures or a provider's Retry-After).</summary>
    Unhealthy,
    Disabled,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Ai.AcquireResult")]
public sealed record AcquireResult(
    [property: Id(0)] AcquireOutcome Outcome,
    [property: Id(1)] Guid LeaseId,
    [property: Id(2)] DateTimeOffset? RetryAt);

public enum AiCallOutcome
{
    Success,
    RateLimited,
    ServerError,
    Timeout,
    /// <summary>The key is refused (401/403): nothing to retry until an admin fixes it.</summary>
    Unauthorized,
    /// <summary>Our request was wrong (400/404/422); not the key's fault.</summary>
    BadRequest,
    /// <summary>
    /// The provider answered with empty (or whitespace-only) content: a failed attempt that counts towards the
    /// key's circuit breaker like a server error, though the provider did bill the prompt.
    /// </summary>
    Empty,
    /// <summary>The caller gave up (its cancellation token) before the attempt ended: the lease is released, no verdict on the key.</summary>
    Cancelled,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Ai.AiCallReport")]
public sealed record AiCallReport(
    [property: Id(0)] Guid LeaseId,
    [property: Id(1)] AiCallOutcome Outcome,
    [property: Id(2)] int PromptTokens,
    [property: Id(3)] int CompletionTokens,
    [property: Id(4)] TimeSpan? RetryAfter,
    [property: Id(5)] string? Error);

/// <summary>
/// One provider key: its limits, usage and health. Keys are independent grains, so the choice of a key is
/// spread over many activations instead of one hot router.
/// </summary>
[Alias("ReplyX.Ai.IAiTokenGrain")]
public interface IAiTokenGrain : IGrainWithGuidKey
{
    [Alias("Configure")]
    Task Configure(AiTokenSettings settings);

    /// <summary>Reserves one request (and an estimate of tokens) if the key has room and is healthy.</summary>
    [Alias("TryAcquire")]
    Task<AcquireResult> TryAcquire(int estimatedTokens);

    /// <summary>Settles a lease: actual token use on success, or the failure that feeds the circuit breaker.</summary>
    [Alias("Report")]
    Task Report(AiCallReport report);

    [Alias("GetStatus")]
    Task<AiTokenStatus> GetStatus();
}

[GenerateSerializer, Immutable, Alias("ReplyX.Ai.AiTokenView")]
public sealed record AiTokenView([property: Id(0)] AiTokenSettings Settings, [property: Id(1)] AiTokenStatus Status, [property: Id(2)] string KeyHint);

[GenerateSerializer, Immutable, Alias("ReplyX.Ai.AiUsageDay")]
public sealed record AiUsageDay(
    [property: Id(0)] DateOnly Day,
    [property: Id(1)] Guid? Key,
    [property: Id(2)] long Calls,
    [property: Id(3)] long Failures,
    [property: Id(4)] long PromptTokens,
    [property: Id(5)] long CompletionTokens);

/// <summary>Admin operations on provider keys. The secret goes in once and is never returned.</summary>
[Alias("ReplyX.Ai.IAiAdminGrain")]
public interface IAiAdminGrain : IGrainWithIntegerKey
{
    [Alias("Save")]
    Task Save(AiTokenSettings settings, string? apiKey);

    [Alias("Remove")]
    Task<bool> Remove(Guid id);

    [Alias("List")]
    Task<IReadOnlyList<AiTokenView>> List();

    [Alias("Get")]
    Task<AiTokenView?> Get(Guid id);

    /// <summary>Daily AI usage per account (or per key when <paramref name="byKey"/>), optionally for one of them.</summary>
    [Alias("Usage")]
    Task<IReadOnlyList<AiUsageDay>> Usage(bool byKey, Guid? id, DateOnly from, DateOnly to);
}

/// <summary>The providers' names as they appear in the API, configuration and the <c>ai_tokens</c> table.</summary>
public static class AiProviderNames
{
    /// <summary>Indexed by <see cref="AiProviderKind"/>.</summary>
    public static IReadOnlyList<string> All { get; } = ["openai", "yandexgpt", "gigachat", "anthropic", "custom"];

    public static string ToText(AiProviderKind kind) => All[(int)kind];

    public static bool TryParse(string? text, bool ignoreCase, out AiProviderKind kind)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        for (var i = 0; i < All.Count; i++)
        {
            if (string.Equals(All[i], text, comparison))
            {
                kind = (AiProviderKind)i;
                return true;
            }
        }
        kind = default;
        return false;
    }

    public static AiProviderKind Parse(string text) =>
        TryParse(text, ignoreCase: false, out var kind) ? kind : throw new ArgumentException($"Unknown AI provider '{text}'.", nameof(text));
}
