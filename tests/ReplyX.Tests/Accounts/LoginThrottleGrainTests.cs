using ReplyX.Accounts;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Accounts;

[Collection(MemoryClusterCollection.Name)]
public sealed class LoginThrottleGrainTests(MemoryClusterFixture fixture)
{
    private ILoginThrottleGrain NewLogin() =>
        fixture.Cluster.GrainFactory.GetGrain<ILoginThrottleGrain>(LoginThrottleKey.For($"user-{Guid.NewGuid():N}@example.com"));

    private static DateTimeOffset Now => MemoryClusterFixture.Time.GetUtcNow();

    [Fact]
    public async Task Five_failures_are_free_and_the_sixth_locks_for_thirty_seconds()
    {
        var login = NewLogin();
        for (var i = 1; i <= 5; i++)
        {
            var status = await login.RecordFailure();
            Assert.Equal(i, status.ConsecutiveFailures);
            Assert.Null(status.LockedUntil);
        }

        var locked = await login.RecordFailure();

        Assert.Equal(6, locked.ConsecutiveFailures);
        Assert.Equal(Now + TimeSpan.FromSeconds(30), locked.LockedUntil);
        Assert.True((await login.Check()).IsLocked(Now));
    }

    [Fact]
    public async Task Each_further_failure_doubles_the_lockout_up_to_the_cap()
    {
        var login = NewLogin();
        LoginThrottleStatus status = new(0, null);
        var lockouts = new List<TimeSpan>();
        for (var i = 0; i < 13; i++)
        {
            status = await login.RecordFailure();
            if (status.LockedUntil is { } until)
            {
                lockouts.Add(until - Now);
            }
        }

        Assert.Equal(
            [30, 60, 120, 240, 480, 900, 900, 900],
            lockouts.Select(l => (int)l.TotalSeconds));
    }

    [Fact]
    public async Task Lockout_ends_when_its_time_has_passed()
    {
        var login = NewLogin();
        for (var i = 0; i < 6; i++)
        {
            await login.RecordFailure();
        }
        var until = (await login.Check()).LockedUntil!.Value;

        MemoryClusterFixture.Time.Advance(until - Now + TimeSpan.FromMilliseconds(1));

        var status = await login.Check();
        Assert.False(status.IsLocked(Now));
        Assert.Null(status.LockedUntil);
    }

    [Fact]
    public async Task Success_clears_the_failure_history()
    {
        var login = NewLogin();
        for (var i = 0; i < 3; i++)
        {
            await login.RecordFailure();
        }

        await login.RecordSuccess();

        Assert.Equal(new LoginThrottleStatus(0, null), await login.Check());
        Assert.Equal(1, (await login.RecordFailure()).ConsecutiveFailures);
    }

    [Fact]
    public async Task Logins_are_throttled_independently()
    {
        var guessed = NewLogin();
        var other = NewLogin();
        for (var i = 0; i < 7; i++)
        {
            await guessed.RecordFailure();
        }

        Assert.True((await guessed.Check()).IsLocked(Now));
        Assert.Equal(new LoginThrottleStatus(0, null), await other.Check());
    }
}
