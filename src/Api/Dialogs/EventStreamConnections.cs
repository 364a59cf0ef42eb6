using System.Globalization;
using Microsoft.Extensions.Options;
using Prometheus;

namespace ReplyX.Api.Dialogs;

/// <summary>
/// Counts this node's open event streams against <see cref="EventStreamOptions.MaxConnections"/>, so that
/// extra clients are told to come back later instead of exhausting the process's descriptors.
/// </summary>
public sealed class EventStreamConnections(IOptions<EventStreamOptions> options)
{
    private static readonly Gauge Open = Metrics.CreateGauge("replyx_sse_connections", "Open Server-Sent Events streams, by kind.", "kind");
    private static readonly Gauge Subscriptions = Metrics.CreateGauge("replyx_sse_stream_subscriptions", "Orleans stream subscriptions held by open event streams.");
    private static readonly Counter GapFills = Metrics.CreateCounter("replyx_sse_gap_fills_total",
        "Messages a live dialog stream dropped or reordered, read back from the store before the next one was sent.");
    private static readonly Counter Refused = Metrics.CreateCounter("replyx_sse_refused_total", "Event streams refused because the node was at its cap.");

    private readonly int _max = options.Value.EffectiveMaxConnections;
    private int _open;
    private int _subscriptions;
    private long _gapFills;

    /// <summary>Times a stream found a gap in the live messages and filled it from the store.</summary>
    public long GapFillCount => Interlocked.Read(ref _gapFills);

    internal void GapFilled()
    {
        Interlocked.Increment(ref _gapFills);
        GapFills.Inc();
    }

    public int Count => Volatile.Read(ref _open);

    /// <summary>Orleans stream subscriptions currently held (0 when every client has gone: none leaked).</summary>
    public int SubscriptionCount => Volatile.Read(ref _subscriptions);

    /// <summary>A slot for one stream, or null at the cap (the caller answers 503).</summary>
    public IDisposable? TryOpen(string kind)
    {
        if (Interlocked.Increment(ref _open) > _max)
        {
            Interlocked.Decrement(ref _open);
            Refused.Inc();
            return null;
        }
        Open.WithLabels(kind).Inc();
        return new Slot(this, kind);
    }

    internal void Subscribed() => Subscriptions.Set(Interlocked.Increment(ref _subscriptions));

    internal void Unsubscribed() => Subscriptions.Set(Interlocked.Decrement(ref _subscriptions));

    public static IResult Full(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "5";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many live connections on this node.",
            detail: "Try again in 5 s.",
            extensions: new Dictionary<string, object?> { ["retryAfter"] = 5.ToString(CultureInfo.InvariantCulture) });
    }

    private sealed class Slot(EventStreamConnections owner, string kind) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._open);
                Open.WithLabels(kind).Dec();
            }
        }
    }
}
