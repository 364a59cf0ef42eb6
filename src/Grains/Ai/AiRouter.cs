using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;

namespace ReplyX.Ai;

public sealed record AiRequest(
    Guid? AccountId,
    string Model,
    IReadOnlyList<AiProviderKind> Providers,
    IReadOnlyList<AiChatMessage> Messages,
    float? Temperature = null,
    int MaxOutputTokens = 512,
    Func<string, ValueTask>? OnPartial = null);

/// <param name="TokensEstimated">
/// The provider reported no usage, so <see cref="PromptTokens"/> and <see cref="CompletionTokens"/> are
/// <see cref="AiTokenEstimator"/>'s estimate (the usage record says so too).
/// </param>
public sealed record AiAnswer(string Text, int PromptTokens, int CompletionTokens, Guid TokenId, AiProviderKind Provider, string Model, TimeSpan Latency, int Attempts,
    bool TokensEstimated = false);

/// <summary>A batch of texts to embed, metered to <see cref="AccountId"/> like a chat call.</summary>
public sealed record AiEmbeddingRequest(Guid? AccountId, string Model, IReadOnlyList<string> Texts, int? Dimensions = null, IReadOnlyList<AiProviderKind>? Providers = null);

/// <summary>One vector per input, in input order; <see cref="TokensEstimated"/> as for <see cref="AiAnswer"/>.</summary>
public sealed record AiEmbeddings(IReadOnlyList<float[]> Vectors, int Tokens, Guid TokenId, string Model, int Attempts, bool TokensEstimated);

/// <summary>No key could answer now; <see cref="RetryAt"/> is the earliest moment one may have room again.</summary>
public sealed class AiUnavailableException(string message, DateTimeOffset? retryAt) : Exception(message)
{
    public DateTimeOffset? RetryAt { get; } = retryAt;
}

/// <summary>No provider key is configured for this model at all: callers use their offline fallback.</summary>
public sealed class AiNotConfiguredException(string model) : Exception($"No AI provider key serves model '{model}'.");

/// <summary>
/// Picks a key for each call, close to the caller (a service in every silo, not a grain): keys of the
/// assistant's provider chain in order, within a provider by priority and then least load, and fails over
/// to the next key, then the next provider, on 429, 5xx, timeouts and refused keys. Each key's limits and
/// breaker are enforced by its own <see cref="IAiTokenGrain"/>.
/// </summary>
public sealed partial class AiRouter(
    IGrainFactory grains,
    IAiTokenStore tokens,
    IAiUsageStore usage,
    AiProviderClient client,
    IOptions<AiProviderOptions> options,
    TimeProvider time,
    ILogger<AiRouter> logger)
{
    private static readonly Counter Calls = Metrics.CreateCounter("replyx_ai_calls_total", "AI calls by provider and outcome.", "provider", "outcome");
    private static readonly Counter TokensUsed = Metrics.CreateCounter("replyx_ai_tokens_total", "AI tokens used by provider and kind.", "provider", "kind");
    private static readonly Histogram Latency = Metrics.CreateHistogram("replyx_ai_latency_seconds", "AI call latency by provider.",
        new HistogramConfiguration { LabelNames = ["provider"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });

    private readonly SemaphoreSlim _refresh = new(1, 1);
    // Grain references are reused: Orleans resolves the interface type by reflection on every GetGrain.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, IAiTokenGrain> _tokenGrains = new();
    private IReadOnlyList<StoredAiToken> _directory = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private readonly Dictionary<Guid, int> _inFlight = [];
    private readonly Lock _gate = new();

    /// <summary>Forget the cached key list (after an admin change on this silo; others refresh within seconds).</summary>
    public void Invalidate() => _loadedAt = DateTimeOffset.MinValue;

    public async Task<IReadOnlyList<StoredAiToken>> Directory(CancellationToken cancellationToken = default)
    {
        if (time.GetUtcNow() - _loadedAt < options.Value.DirectoryRefresh)
        {
            return _directory;
        }
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (time.GetUtcNow() - _loadedAt >= options.Value.DirectoryRefresh)
            {
                _directory = await tokens.List(cancellationToken);
                _loadedAt = time.GetUtcNow();
            }
            return _directory;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// Answers from the first key that can, failing over on failures. <paramref name="cancellationToken"/> is
    /// honoured throughout: no attempt starts once it is cancelled (a caller's total budget is spent), and a
    /// lease taken is always handed back, without the caller waiting for it.
    /// </summary>
    public async Task<AiAnswer> Complete(AiRequest request, CancellationToken cancellationToken = default)
    {
        // Conservative (about two characters per token, plus the full output allowance) so a daily budget holds.
        var estimate = request.Messages.Sum(m => m.Text.Length) / 2 + request.MaxOutputTokens;
        var (result, token, latency, attempts) = await Route(request.AccountId, request.Model, request.Providers, estimate, AiCallPurpose.Chat,
            (t, ct) => client.Complete(t, request.Model, request.Messages, request.Temperature, request.MaxOutputTokens, request.OnPartial, ct),
            cancellationToken);
        return new AiAnswer(result.Text ?? "", result.PromptTokens, result.CompletionTokens, token.Settings.Id, token.Settings.Provider, request.Model, latency, attempts,
            result.Estimated);
    }

    /// <summary>Embeds one batch through the first key that can, with the same limits, breaker, failover and metering as a chat call.</summary>
    public async Task<AiEmbeddings> Embed(AiEmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        var estimate = request.Texts.Sum(t => t.Length) / 2 + 1;
        var (result, token, _, attempts) = await Route(request.AccountId, request.Model, request.Providers ?? [], estimate, AiCallPurpose.Embedding,
            (t, ct) => client.Embed(t, request.Model, request.Texts, request.Dimensions, ct), cancellationToken);
        return new AiEmbeddings(result.Vectors!, result.PromptTokens, token.Settings.Id, request.Model, attempts, result.Estimated);
    }

    private async Task<(ProviderResult Result, StoredAiToken Token, TimeSpan Latency, int Attempts)> Route(
        Guid? accountId, string model, IReadOnlyList<AiProviderKind> providers, int estimate, AiCallPurpose purpose,
        Func<StoredAiToken, CancellationToken, Task<ProviderResult>> call, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var directory = await Directory(cancellationToken);
        var candidates = Candidates(directory, model, providers);
        if (candidates.Count == 0)
        {
            throw new AiNotConfiguredException(model);
        }

        DateTimeOffset? earliest = null;
        var attempts = 0;
        var reasons = new List<string>();
        foreach (var token in candidates)
        {
            // A caller whose budget is spent gets no further attempt.
            cancellationToken.ThrowIfCancellationRequested();
            var grain = _tokenGrains.GetOrAdd(token.Settings.Id, id => grains.GetGrain<IAiTokenGrain>(id));
            var lease = await Acquire(grain, estimate, cancellationToken);
            if (lease.Outcome != AcquireOutcome.Granted)
            {
                if (lease.RetryAt is { } at && (earliest is null || at < earliest))
                {
                    earliest = at;
                }
                reasons.Add($"{token.Settings.Id}: {lease.Outcome}");
                continue;
            }

            attempts++;
            var provider = token.Settings.Provider;
            Track(token.Settings.Id, +1);
            var watch = Stopwatch.StartNew();
            ProviderResult result;
            try
            {
                result = await call(token, cancellationToken);
            }
            catch (Exception ex)
            {
                // The caller gave up (or its own partial-text callback failed): hand the lease back at once,
                // without blaming the key and without making the caller wait for it.
                Release(grain, lease.LeaseId, cancellationToken.IsCancellationRequested ? "cancelled by caller" : "failed in the caller: " + ex.Message);
                throw;
            }
            finally
            {
                Track(token.Settings.Id, -1);
            }
            watch.Stop();

            // The report settles the lease and the usage record is the billing record: both are written even if
            // the caller stops waiting for them.
            try
            {
                await AwaitUnlessCancelled(Task.WhenAll(
                    grain.Report(new AiCallReport(lease.LeaseId, result.Outcome, result.PromptTokens, result.CompletionTokens, result.RetryAfter, result.Error)),
                    usage.Record(new AiUsageRecord(Guid.NewGuid(), time.GetUtcNow(), accountId, token.Settings.Id, provider, model,
                        result.PromptTokens, result.CompletionTokens, (int)watch.ElapsedMilliseconds, result.Outcome, result.Estimated, purpose), CancellationToken.None)),
                    token.Settings.Id, cancellationToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or System.Data.Common.DbException && !cancellationToken.IsCancellationRequested)
            {
                // An overloaded key grain or store must not cost an answer the model already gave: the lease
                // expires on its own (Ai:Limits:LeaseTimeout), and asking the model again would pay twice.
                LogReportFailed(token.Settings.Id, Hosting.Errors.Describe(ex));
            }
            var providerName = AiProviderNames.ToText(provider);
            Calls.WithLabels(providerName, result.Outcome.ToString()).Inc();
            Latency.WithLabels(providerName).Observe(watch.Elapsed.TotalSeconds);
            TokensUsed.WithLabels(providerName, purpose == AiCallPurpose.Embedding ? "embedding" : "prompt").Inc(result.PromptTokens);
            TokensUsed.WithLabels(providerName, "completion").Inc(result.CompletionTokens);

            if (result.Outcome == AiCallOutcome.Success)
            {
                return (result, token, watch.Elapsed, attempts);
            }
            // A failed attempt's text (a stream cut mid-answer) is never the answer: the next key starts afresh.
            reasons.Add($"{token.Settings.Id}: {result.Outcome} {result.Error}");
            if (result.RetryAfter is { } retryAfter && time.GetUtcNow() + retryAfter is var again && (earliest is null || again < earliest))
            {
                earliest = again;
            }
            if (result.Outcome == AiCallOutcome.BadRequest)
            {
                // Our request is at fault, not the key: another key would refuse it too.
                break;
            }
            LogFailover(token.Settings.Id, result.Outcome, result.Error ?? "");
        }
        throw new AiUnavailableException("No AI key could answer: " + string.Join("; ", reasons), earliest);
    }

    /// <summary>A lease, unless the caller gives up first; a lease granted after that is handed straight back.</summary>
    private async Task<AcquireResult> Acquire(IAiTokenGrain grain, int estimate, CancellationToken cancellationToken)
    {
        var acquire = grain.TryAcquire(estimate);
        try
        {
            return await acquire.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !acquire.IsCompleted)
        {
            _ = ReturnLateGrant(grain, acquire);
            throw;
        }
    }

    /// <summary>Waits (off the caller's scheduler) for an abandoned acquisition; a lease it grants is handed straight back.</summary>
    private async Task ReturnLateGrant(IAiTokenGrain grain, Task<AcquireResult> acquire)
    {
        await ((Task)acquire).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // a failed acquisition granted nothing
        if (acquire.IsCompletedSuccessfully && await acquire is { Outcome: AcquireOutcome.Granted } granted)
        {
            Release(grain, granted.LeaseId, "cancelled by caller");
        }
    }

    /// <summary>Hands a lease back with no verdict on the key; nobody waits for it, a failure is logged.</summary>
    private void Release(IAiTokenGrain grain, Guid leaseId, string reason)
    {
        var report = grain.Report(new AiCallReport(leaseId, AiCallOutcome.Cancelled, 0, 0, null, reason));
        _ = report.ContinueWith(t => LogSettleFailed(grain.GetPrimaryKey(), t.Exception!.GetBaseException().Message, t.Exception.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits for <paramref name="work"/> unless the caller gives up; then it goes on, and a failure of it is logged, not lost.</summary>
    private async Task AwaitUnlessCancelled(Task work, Guid tokenId, CancellationToken cancellationToken)
    {
        try
        {
            await work.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !work.IsCompleted)
        {
            _ = work.ContinueWith(t => LogSettleFailed(tokenId, t.Exception!.GetBaseException().Message, t.Exception.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>The keys to try, in order.</summary>
    public IReadOnlyList<StoredAiToken> Candidates(IReadOnlyList<StoredAiToken> directory, AiRequest request) =>
        Candidates(directory, request.Model, request.Providers);

    private IReadOnlyList<StoredAiToken> Candidates(IReadOnlyList<StoredAiToken> directory, string model, IReadOnlyList<AiProviderKind> providers)
    {
        var usable = directory.Where(t => t.Settings.Enabled && t.Settings.Serves(model)).ToArray();
        var chain = providers.Count > 0
            ? providers.Distinct().ToArray()
            : usable.OrderBy(t => t.Settings.Priority).Select(t => t.Settings.Provider).Distinct().ToArray();
        var ordered = new List<StoredAiToken>();
        foreach (var provider in chain)
        {
            ordered.AddRange(usable
                .Where(t => t.Settings.Provider == provider)
                .OrderBy(t => t.Settings.Priority)
                .ThenBy(t => Load(t.Settings.Id))
                .ThenBy(_ => Random.Shared.Next()));
        }
        return ordered;
    }

    private int Load(Guid id)
    {
        lock (_gate)
        {
            return _inFlight.GetValueOrDefault(id);
        }
    }

    private void Track(Guid id, int delta)
    {
        lock (_gate)
        {
            _inFlight[id] = _inFlight.GetValueOrDefault(id) + delta;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI key {TokenId} failed ({Outcome}: {Error}); failing over")]
    private partial void LogFailover(Guid tokenId, AiCallOutcome outcome, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Settling a lease of AI key {TokenId} in the background failed: {Error}")]
    private partial void LogSettleFailed(Guid tokenId, string error, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI key {TokenId}: the call's report or usage record failed; the answer is kept: {Error}")]
    private partial void LogReportFailed(Guid tokenId, string error);
}
