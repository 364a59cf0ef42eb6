using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Runtime;

namespace ReplyX.Api.Admin;

/// <param name="MessagesPerSecond">Messages the silo received per second since the previous look (null on the first).</param>
public sealed record ClusterSiloResponse(string Address, string Name, string HostName, string Status, DateTimeOffset StartedAt, double UptimeSeconds,
    int? Activations, double? CpuPercent, long? MemoryBytes, double? MessagesPerSecond, IReadOnlyDictionary<string, int> ActivationsByType);

public sealed record ClusterResponse(DateTimeOffset At, int ActiveSilos, int Activations, IReadOnlyList<ClusterSiloResponse> Silos);

/// <summary>
/// Message rates need two looks: the silos report their received messages as a running total, so this keeps the
/// previous total per silo (one instance per API host) and turns the difference into a rate.
/// </summary>
public sealed class ClusterRates(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, long Received)> _last = new();

    public double? Rate(string silo, long received)
    {
        var now = time.GetUtcNow();
        var previous = _last.TryGetValue(silo, out var p) ? p : ((DateTimeOffset At, long Received)?)null;
        _last[silo] = (now, received);
        if (previous is not { } before || now <= before.At || received < before.Received)
        {
            return null; // first look, or the silo restarted (its total began again)
        }
        return Math.Round((received - before.Received) / (now - before.At).TotalSeconds, 1);
    }
}

public static class ClusterApi
{
    /// <summary>GET /api/admin/cluster: the silos with their status, uptime, activations per grain type, message rate, CPU and memory.</summary>
    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/cluster", Cluster);
        return admin;
    }

    private static async Task<Results<Ok<ClusterResponse>, ProblemHttpResult>> Cluster(IGrainFactory grains, ClusterRates rates, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        MembershipEntry[] members;
        SiloRuntimeStatistics[] statistics;
        SimpleGrainStatistic[] grainStatistics;
        SiloAddress[] active;
        try
        {
            members = await management.GetDetailedHosts(onlyActive: false).WaitAsync(cancellationToken);
            active = [.. members.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress)];
            statistics = await management.GetRuntimeStatistics(active).WaitAsync(cancellationToken);
            grainStatistics = await management.GetSimpleGrainStatistics(active).WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The cluster did not answer.", detail: ex.Message);
        }
        var now = time.GetUtcNow();
        var byAddress = active.Select((address, i) => (address, stats: statistics[i])).ToDictionary(x => x.address, x => x.stats);
        var silos = members
            // The dead stay in the table for a while: the newest first, the active before them.
            .OrderBy(m => m.Status == SiloStatus.Active ? 0 : 1).ThenBy(m => m.SiloName, StringComparer.Ordinal)
            .Where(m => m.Status != SiloStatus.Dead || now - new DateTimeOffset(m.IAmAliveTime, TimeSpan.Zero) < TimeSpan.FromHours(1))
            .Select(m =>
            {
                var address = m.SiloAddress.ToString();
                var stats = byAddress.GetValueOrDefault(m.SiloAddress);
                // Short names may meet (the same class name in two namespaces): their counts add up.
                var types = grainStatistics.Where(g => g.SiloAddress.Equals(m.SiloAddress))
                    .GroupBy(g => ShortName(g.GrainType), StringComparer.Ordinal)
                    .Select(g => (Name: g.Key, Count: g.Sum(x => x.ActivationCount)))
                    .OrderByDescending(g => g.Count).ThenBy(g => g.Name, StringComparer.Ordinal)
                    .ToDictionary(g => g.Name, g => g.Count);
                var started = new DateTimeOffset(DateTime.SpecifyKind(m.StartTime, DateTimeKind.Utc));
                return new ClusterSiloResponse(address, m.SiloName, m.HostName, m.Status.ToString(), started,
                    m.Status == SiloStatus.Active ? Math.Round((now - started).TotalSeconds) : 0,
                    stats?.ActivationCount, stats is null ? null : Math.Round(stats.EnvironmentStatistics.FilteredCpuUsagePercentage, 1),
                    stats?.EnvironmentStatistics.FilteredMemoryUsageBytes,
                    stats is null ? null : rates.Rate(address, stats.ReceivedMessages), types);
            })
            .ToList();
        return TypedResults.Ok(new ClusterResponse(now, active.Length, silos.Sum(s => s.Activations ?? 0), silos));
    }

    /// <summary>"ReplyX.Dialogs.DialogGrain,ReplyX.Grains" → "DialogGrain"; Orleans' own keep their class name too.</summary>
    internal static string ShortName(string grainType)
    {
        var end = grainType.IndexOfAny([',', '`', '[']);
        var name = (end > 0 ? grainType[..end] : grainType).Trim();
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
