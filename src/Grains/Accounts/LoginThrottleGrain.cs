using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplyX.Accounts;

[GenerateSerializer, Alias("ReplyX.Accounts.LoginThrottleState")]
public sealed class LoginThrottleState
{
    [Id(0)] public int ConsecutiveFailures { get; set; }
    [Id(1)] public DateTimeOffset? LastFailureAt { get; set; }
    [Id(2)] public DateTimeOffset? LockedUntil { get; set; }
}

[GrainType("login-throttle")]
public sealed partial class LoginThrottleGrain(
    [PersistentState("login-throttle")] IPersistentState<LoginThrottleState> state,
    TimeProvider time,
    IOptions<LoginThrottleOptions> options,
    ILogger<LoginThrottleGrain> logger) : Grain, ILoginThrottleGrain
{
    private readonly LoginThrottleOptions _options = options.Value;

    public Task<LoginThrottleStatus> Check() => Task.FromResult(Current(time.GetUtcNow()));

    public async Task<LoginThrottleStatus> RecordFailure()
    {
        var now = time.GetUtcNow();
        var s = state.State;
        if (s.LastFailureAt is { } last && now - last > _options.FailureWindow)
        {
            s.ConsecutiveFailures = 0;
        }
        s.ConsecutiveFailures++;
        s.LastFailureAt = now;
        // FreeAttempts failures are answered as wrong passwords; the one after them locks.
        var over = s.ConsecutiveFailures - _options.FreeAttempts - 1;
        if (over >= 0)
        {
            // 30 s, 60 s, 120 s, … capped: slows a guesser down exponentially without locking a user out for long.
            var factor = Math.Pow(2, Math.Min(over, 20));
            var lockout = TimeSpan.FromTicks((long)Math.Min(_options.BaseLockout.Ticks * factor, _options.MaxLockout.Ticks));
            s.LockedUntil = now + lockout;
            LogLocked(this.GetPrimaryKeyString(), s.ConsecutiveFailures, lockout);
        }
        await state.WriteStateAsync();
        return Current(now);
    }

    public async Task RecordSuccess()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }
        state.State = new LoginThrottleState();
    }

    private LoginThrottleStatus Current(DateTimeOffset now)
    {
        var s = state.State;
        var failures = s.LastFailureAt is { } last && now - last > _options.FailureWindow ? 0 : s.ConsecutiveFailures;
        return new LoginThrottleStatus(failures, s.LockedUntil is { } until && until > now ? until : null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Login {Login} locked after {Failures} consecutive failures for {Lockout}")]
    private partial void LogLocked(string login, int failures, TimeSpan lockout);
}
