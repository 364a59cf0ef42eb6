using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Prometheus;
using ReplyX.Accounts;

namespace ReplyX.Api.Accounts;

/// <summary>
/// Each node's view of users' security stamps (<see cref="IUserSessionGrain"/>), asked for every authenticated
/// request. A stamp is kept for <c>Auth:RevocationCheckInterval</c>, so a revocation on any node ends a token
/// everywhere within that interval, at most one grain call per user and interval per node; the node that
/// revokes forgets its copy at once.
/// </summary>
public sealed class SessionVersions(IGrainFactory grains, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly Counter Lookups = Metrics.CreateCounter(
        "replyx_session_checks_total", "Access-token revocation checks by where the stamp came from.", "source");

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly TimeSpan _interval = options.Value.RevocationCheckInterval;
    private long _nextSweep;

    private sealed record Entry(Task<long> Version, long FetchedAt);

    /// <summary>True when <paramref name="version"/> is the user's current stamp.</summary>
    public async ValueTask<bool> IsCurrent(Guid userId, long version)
    {
        var now = time.GetTimestamp();
        if (_entries.TryGetValue(userId, out var entry) && time.GetElapsedTime(entry.FetchedAt, now) < _interval
            && !entry.Version.IsFaulted && !entry.Version.IsCanceled)
        {
            Lookups.WithLabels("cache").Inc();
            return await entry.Version == version;
        }
        Lookups.WithLabels("grain").Inc();
        Sweep(now);
        // Concurrent requests of one user share one call; a failed call is not kept, so the next request asks again.
        var fetched = new Entry(grains.GetGrain<IUserSessionGrain>(userId).Version(), now);
        _entries[userId] = fetched;
        return await fetched.Version == version;
    }

    public void Forget(Guid userId) => _entries.TryRemove(userId, out _);

    /// <summary>Drops stamps nobody asked for within an interval, at most once per interval.</summary>
    private void Sweep(long now)
    {
        var next = Interlocked.Read(ref _nextSweep);
        if (now < next || Interlocked.CompareExchange(ref _nextSweep, now + (long)(_interval.TotalSeconds * time.TimestampFrequency), next) != next)
        {
            return;
        }
        foreach (var (user, entry) in _entries)
        {
            if (time.GetElapsedTime(entry.FetchedAt, now) >= _interval)
            {
                _entries.TryRemove(new KeyValuePair<Guid, Entry>(user, entry));
            }
        }
    }
}
