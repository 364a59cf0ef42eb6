using ReplyX.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplyX.Ai;

[GenerateSerializer, Alias("ReplyX.Ai.AiTokenState")]
public sealed class AiTokenState
{
    [Id(0)] public AiTokenSettings? Settings { get; set; }
    [Id(1)] public DateOnly Day { get; set; }
    [Id(2)] public long TokensToday { get; set; }
    [Id(3)] public CircuitState Circuit { get; set; }
    [Id(4)] public DateTimeOffset? OpenUntil { get; set; }
    [Id(5)] public int ConsecutiveFailures { get; set; }
    [Id(6)] public long TotalRequests { get; set; }
    [Id(7)] public long TotalFailures { get; set; }
    [Id(8)] public string? LastError { get; set; }
}

/// <summary>
/// One provider key. Single-threaded like every grain, so its limits hold exactly however many dialogs ask
/// at once. Counters are flushed to storage on a timer (the <c>ai_usage</c> table is the record for billing).
/// </summary>
[GrainType("ai-token")]
public sealed partial class AiTokenGrain(
    [PersistentState("ai-token")] IPersistentState<AiTokenState> state,
    IOptions<AiLimitsOptions> options,
    TimeProvider time,
    StateDurability durability,
    ILogger<AiTokenGrain> logger) : Grain, IAiTokenGrain
{
    private readonly AiLimitsOptions _options = options.Value;
    // A request holds its requests-per-minute slot while in flight and for one window after it finished, so
    // the provider, which counts arrivals, can never see more than the limit in any window.
    private readonly Queue<DateTimeOffset> _finished = new();
    private readonly Dictionary<Guid, (int Estimate, DateTimeOffset At)> _leases = [];
    // Leases in the order they were granted (grant times only grow), so expiry looks at the oldest alone;
    // ids already reported are skipped when they reach the front.
    private readonly Queue<(Guid Id, DateTimeOffset At)> _grantOrder = new();
    private long _reserved; // sum of the estimates of _leases
    // Lease ids only need to be unique within this activation: a random base and a counter, not a new
    // random Guid per call.
    private readonly Guid _leaseBase = Guid.NewGuid();
    private long _leaseCounter;
    private bool _dirty;
    private IGrainTimer? _flush;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _flush = this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)) { Interleave = false });
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flush?.Dispose();
        if (reason.ReasonCode is DeactivationReasonCode.ShuttingDown && durability.LostAtShutdown)
        {
            return; // the state dies with the process: trying would only log placement errors, one per key
        }
        try
        {
            await Flush(cancellationToken);
        }
        catch (OrleansException ex) when (reason.ReasonCode is DeactivationReasonCode.ShuttingDown)
        {
            // At silo shutdown the storage may already be gone (memory storage lives in grains). The counters
            // lost are at most a few seconds of usage; ai_usage keeps the record of every call.
            LogFlushFailed(this.GetPrimaryKey(), ex.Message);
        }
    }

    public async Task Configure(AiTokenSettings settings)
    {
        state.State.Settings = settings;
        if (!settings.Enabled)
        {
            _leases.Clear();
            _grantOrder.Clear();
            _reserved = 0;
        }
        await state.WriteStateAsync();
        _dirty = false;
    }

    public Task<AcquireResult> TryAcquire(int estimatedTokens)
    {
        var now = time.GetUtcNow();
        var s = state.State;
        if (s.Settings is not { Enabled: true } settings)
        {
            return Task.FromResult(new AcquireResult(AcquireOutcome.Disabled, Guid.Empty, null));
        }
        RollDay(now);
        ExpireLeases(now);

        if (s.Circuit == CircuitState.Open)
        {
            if (s.OpenUntil is { } until && until > now)
            {
                return Task.FromResult(new AcquireResult(AcquireOutcome.Unhealthy, Guid.Empty, until));
            }
            s.Circuit = CircuitState.HalfOpen;
            _dirty = true;
        }
        if (s.Circuit == CircuitState.HalfOpen && _leases.Count > 0)
        {
            // Half-open lets exactly one trial call through.
            return Task.FromResult(new AcquireResult(AcquireOutcome.Unhealthy, Guid.Empty, now.AddSeconds(1)));
        }

        PruneFinished(now);
        if (settings.RequestsPerMinute is { } rpm && _finished.Count + _leases.Count >= rpm)
        {
            var retryAt = _finished.Count > 0 ? _finished.Peek() + _options.RpmWindow : now + TimeSpan.FromMilliseconds(200);
            return Task.FromResult(new AcquireResult(AcquireOutcome.Exhausted, Guid.Empty, retryAt));
        }
        if (settings.TokensPerDay is { } daily && s.TokensToday + _reserved + estimatedTokens > daily)
        {
            var tomorrow = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
            return Task.FromResult(new AcquireResult(AcquireOutcome.Exhausted, Guid.Empty, tomorrow));
        }

        var lease = NextLeaseId();
        var estimate = Math.Max(0, estimatedTokens);
        _leases[lease] = (estimate, now);
        _grantOrder.Enqueue((lease, now));
        _reserved += estimate;
        return Task.FromResult(new AcquireResult(AcquireOutcome.Granted, lease, null));
    }

    public Task Report(AiCallReport report)
    {
        var now = time.GetUtcNow();
        var s = state.State;
        if (_leases.Remove(report.LeaseId, out var finished))
        {
            _reserved -= finished.Estimate;
            _finished.Enqueue(now);
        }
        else
        {
            LogUnknownLease(this.GetPrimaryKey(), report.LeaseId);
        }
        RollDay(now);
        s.TotalRequests++;
        // Tokens reported are tokens the provider billed, whatever the outcome: a stream cut mid-answer or an
        // empty completion still used the prompt (and the part generated), so the daily budget counts them.
        s.TokensToday += Math.Max(0, report.PromptTokens) + Math.Max(0, report.CompletionTokens);
        _dirty = true;
        switch (report.Outcome)
        {
            case AiCallOutcome.Success:
                s.ConsecutiveFailures = 0;
                if (s.Circuit != CircuitState.Closed)
                {
                    LogClosed(this.GetPrimaryKey());
                }
                s.Circuit = CircuitState.Closed;
                s.OpenUntil = null;
                break;
            case AiCallOutcome.RateLimited:
                // The provider said "not now": honour its Retry-After for this key only.
                s.TotalFailures++;
                Open(now + (report.RetryAfter is { } ra && ra > TimeSpan.Zero ? ra : _options.BreakDuration), report.Error ?? "429 rate limited");
                break;
            case AiCallOutcome.ServerError:
            case AiCallOutcome.Timeout:
            case AiCallOutcome.Empty:
                s.TotalFailures++;
                s.ConsecutiveFailures++;
                if (s.Circuit == CircuitState.HalfOpen || s.ConsecutiveFailures >= _options.FailureThreshold)
                {
                    Open(now + _options.BreakDuration, report.Error ?? report.Outcome.ToString());
                }
                break;
            case AiCallOutcome.Unauthorized:
                s.TotalFailures++;
                Open(now + _options.UnauthorizedBreak, report.Error ?? "the provider refused the key");
                break;
            case AiCallOutcome.BadRequest:
                s.LastError = report.Error;
                if (s.Circuit == CircuitState.HalfOpen)
                {
                    s.Circuit = CircuitState.Closed;
                }
                break;
            case AiCallOutcome.Cancelled:
                // The caller gave up: the lease is released (above) and the key is neither blamed nor cleared;
                // a half-open key stays half-open, so the next caller makes the trial.
                break;
        }
        return Task.CompletedTask;
    }

    public Task<AiTokenStatus> GetStatus()
    {
        var now = time.GetUtcNow();
        RollDay(now);
        ExpireLeases(now);
        PruneFinished(now);
        var s = state.State;
        var circuit = s.Circuit == CircuitState.Open && s.OpenUntil <= now ? CircuitState.HalfOpen : s.Circuit;
        return Task.FromResult(new AiTokenStatus(this.GetPrimaryKey(), circuit, _finished.Count + _leases.Count, s.TokensToday, _leases.Count,
            circuit == CircuitState.Open ? s.OpenUntil : null, s.TotalRequests, s.TotalFailures, s.LastError));
    }

    private void Open(DateTimeOffset until, string error)
    {
        var s = state.State;
        s.Circuit = CircuitState.Open;
        s.OpenUntil = until;
        s.LastError = error;
        LogOpened(this.GetPrimaryKey(), until, error);
    }

    private void RollDay(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (state.State.Day != today)
        {
            state.State.Day = today;
            state.State.TokensToday = 0;
            _dirty = true;
        }
    }

    private void ExpireLeases(DateTimeOffset now)
    {
        while (_grantOrder.TryPeek(out var oldest) && (!_leases.ContainsKey(oldest.Id) || now - oldest.At > _options.LeaseTimeout))
        {
            _grantOrder.Dequeue();
            if (_leases.Remove(oldest.Id, out var expired))
            {
                _reserved -= expired.Estimate;
                _finished.Enqueue(now);
            }
        }
    }

    private Guid NextLeaseId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _leaseBase.TryWriteBytes(bytes);
        var low = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], low ^ ++_leaseCounter);
        return new Guid(bytes);
    }

    private void PruneFinished(DateTimeOffset now)
    {
        while (_finished.Count > 0 && now - _finished.Peek() >= _options.RpmWindow)
        {
            _finished.Dequeue();
        }
    }

    private async Task Flush(CancellationToken cancellationToken)
    {
        if (_dirty)
        {
            _dirty = false;
            await state.WriteStateAsync(cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI token {TokenId} circuit opened until {Until}: {Error}")]
    private partial void LogOpened(Guid tokenId, DateTimeOffset until, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "AI token {TokenId} circuit closed after a successful call")]
    private partial void LogClosed(Guid tokenId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI token {TokenId} could not save its counters while the silo shut down: {Error}")]
    private partial void LogFlushFailed(Guid tokenId, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "AI token {TokenId} got a report for unknown lease {LeaseId}")]
    private partial void LogUnknownLease(Guid tokenId, Guid leaseId);
}
