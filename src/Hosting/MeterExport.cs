using System.Diagnostics.Metrics;

namespace ReplyX.Hosting;

/// <summary>
/// Which .NET meters reach <c>/metrics</c> (prometheus-net's meter adapter publishes every meter unless told).
/// Observable instruments (Orleans' activations, directory, streams, messaging totals; the runtime's GC and thread
/// pool) are exported: they cost only when Prometheus scrapes. Instruments recorded per event are exported only
/// for <see cref="PerEventMeters"/>: the adapter turns each measurement into a labelled series lookup, and on the
/// message path (HttpClient's request and connection instruments, Orleans' per-request histograms) that was about
/// 6 % of the silo's CPU per reply (docs/benchmarks.md). What they would show is covered by ReplyX's own
/// <c>replyx_bot_send_seconds</c>, <c>replyx_ai_latency_seconds</c>, prometheus-net's <c>http_request_*</c> and the
/// Orleans Dashboard.
/// </summary>
public static class MeterExport
{
    /// <summary>Meters whose per-event instruments are exported too: their events are rare (connections, not requests).</summary>
    public static readonly IReadOnlySet<string> PerEventMeters = new HashSet<string>(StringComparer.Ordinal)
    {
        "Microsoft.AspNetCore.Server.Kestrel",
    };

    public static bool Exported(Instrument instrument) =>
        instrument.IsObservable || PerEventMeters.Contains(instrument.Meter.Name);

    /// <summary>Applies <see cref="Exported"/> to the default registry's adapter (before the first scrape starts it).</summary>
    public static void Configure() => Prometheus.Metrics.ConfigureMeterAdapter(o => o.InstrumentFilterPredicate = Exported);
}
