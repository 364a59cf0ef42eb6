using Prometheus;

namespace ReplyX.Bots;

/// <summary>
/// Bot metrics for /metrics: silo totals always, and the same series per bot (label <c>bot</c>) unless
/// <c>Telegram:PerBotMetrics</c> is off. A bot's series exist while it is active here and go with it.
/// </summary>
internal sealed class BotMetrics
{
    private static readonly Counter UpdatesTotal = Metrics.CreateCounter("replyx_bot_updates_total", "Telegram updates accepted, all bots of this silo.");
    private static readonly Counter RepliesTotal = Metrics.CreateCounter("replyx_bot_replies_total", "Messages sent to Telegram, all bots of this silo.");
    private static readonly Counter FloodTotal = Metrics.CreateCounter("replyx_bot_429_total", "Telegram 429 answers, all bots of this silo.");
    private static readonly Counter ChatActionsTotal = Metrics.CreateCounter("replyx_bot_chat_actions_total", "Chat actions (\"typing…\") sent to Telegram, all bots of this silo.");
    private static readonly Gauge QueueTotal = Metrics.CreateGauge("replyx_bot_queue_length", "Messages waiting to be sent, all bots of this silo.");
    private static readonly Histogram SendLatency = Metrics.CreateHistogram("replyx_bot_send_seconds", "sendMessage latency, all bots of this silo.",
        new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.002, 2, 12) });

    private static readonly Counter UpdatesByBot = Metrics.CreateCounter("replyx_bot_updates_by_bot_total", "Telegram updates accepted, per bot.", "bot");
    private static readonly Counter RepliesByBot = Metrics.CreateCounter("replyx_bot_replies_by_bot_total", "Messages sent to Telegram, per bot.", "bot");
    private static readonly Counter FloodByBot = Metrics.CreateCounter("replyx_bot_429_by_bot_total", "Telegram 429 answers, per bot.", "bot");
    private static readonly Gauge QueueByBot = Metrics.CreateGauge("replyx_bot_queue_length_by_bot", "Messages waiting to be sent, per bot.", "bot");
    // A summary without quantiles: _sum and _count per bot, the average send latency, at a fraction of a histogram's cost.
    private static readonly Summary SendLatencyByBot = Metrics.CreateSummary("replyx_bot_send_seconds_by_bot", "sendMessage latency, per bot.",
        new SummaryConfiguration { LabelNames = ["bot"], Objectives = [] });

    private readonly string? _bot;
    private Counter.Child? _updates;
    private Counter.Child? _replies;
    private Counter.Child? _flood;
    private Gauge.Child? _queue;
    private Summary.Child? _latency;
    private int _length;

    public BotMetrics(Guid botId, bool perBot)
    {
        _bot = perBot ? botId.ToString() : null;
    }

    public void Update()
    {
        UpdatesTotal.Inc();
        if (_bot is not null)
        {
            (_updates ??= UpdatesByBot.WithLabels(_bot)).Inc();
        }
    }

    public void ChatAction() => ChatActionsTotal.Inc();

    public void Sent(double seconds, int queueLength)
    {
        RepliesTotal.Inc();
        SendLatency.Observe(seconds);
        Queued(queueLength);
        if (_bot is not null)
        {
            (_replies ??= RepliesByBot.WithLabels(_bot)).Inc();
            (_latency ??= SendLatencyByBot.WithLabels(_bot)).Observe(seconds);
        }
    }

    public void Flood()
    {
        FloodTotal.Inc();
        if (_bot is not null)
        {
            (_flood ??= FloodByBot.WithLabels(_bot)).Inc();
        }
    }

    /// <summary>The bot's queue is now <paramref name="length"/> parts long.</summary>
    public void Queued(int length)
    {
        QueueTotal.Inc(length - _length);
        _length = length;
        if (_bot is not null)
        {
            (_queue ??= QueueByBot.WithLabels(_bot)).Set(length);
        }
    }

    /// <summary>The activation ends: its queue leaves the silo total and its per-bot series disappear.</summary>
    public void Dispose()
    {
        QueueTotal.Dec(_length);
        _length = 0;
        if (_bot is null)
        {
            return;
        }
        _updates?.Remove();
        _replies?.Remove();
        _flood?.Remove();
        _queue?.Remove();
        _latency?.Remove();
    }
}
