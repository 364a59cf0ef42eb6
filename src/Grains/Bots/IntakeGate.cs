using Microsoft.Extensions.Options;
using ReplyX.Dialogs;

namespace ReplyX.Bots;

/// <summary>
/// Back-pressure for the silo's intake. Above capacity a bot that keeps polling pulls updates in faster than
/// the silo can answer them: their intake then takes the CPU the answers need, replies fall to a fraction of
/// capacity and the backlog grows in memory. While more than <see cref="TelegramOptions.IntakeMaxAnswering"/>
/// of this silo's dialogs are answering and the silo is busy (its thread pool runs queued work at least
/// <see cref="TelegramOptions.IntakeBusyLag"/> late), polling bots stop fetching; updates wait at Telegram
/// (which keeps them for a day) and the silo answers at its capacity. Many slow answers alone (a slow model
/// provider) leave the CPU idle and the lag low, so they do not hold back other bots.
/// <para>The lag is how late a timer's callback runs: timer callbacks queue on the thread pool behind
/// everything else waiting there.</para>
/// </summary>
public sealed class IntakeGate : IDisposable
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval = TimeSpan.FromMilliseconds(20);
    private readonly TimeSpan _busyLag;
    private readonly int _maxAnswering;
    private readonly AnsweringLoad _load;
    private readonly ITimer? _timer;
    private readonly object _lock = new();
    private long _armed;
    private TaskCompletionSource _open = Opened();

    public IntakeGate(IOptions<TelegramOptions> options, AnsweringLoad load, TimeProvider time)
    {
        _time = time;
        _load = load;
        _busyLag = options.Value.IntakeBusyLag;
        _maxAnswering = options.Value.IntakeMaxAnswering;
        if (_maxAnswering > 0)
        {
            // One-shot, re-armed by each callback: a periodic timer would re-arm when it fires, not when its
            // callback runs, and a constant queueing delay would not show between two callbacks.
            _armed = time.GetTimestamp();
            _timer = time.CreateTimer(_ => Tick(), null, _interval, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The latest measured lag.</summary>
    public TimeSpan Lag { get; private set; }

    public TimeSpan SmoothedLag { get; private set; }

    /// <summary>How often intake found the gate closed (bots waited before a poll).</summary>
    public long Closures { get; private set; }

    public bool IsOpen => _open.Task.IsCompleted;

    /// <summary>Completes at once while the silo keeps up, otherwise once it has caught up.</summary>
    public Task WaitForRoom(CancellationToken cancellationToken)
    {
        var open = _open.Task;
        return open.IsCompleted ? Task.CompletedTask : open.WaitAsync(cancellationToken);
    }

    /// <summary>One measurement: how much later than due this callback runs; then the next one is armed.</summary>
    private void Tick()
    {
        var late = _time.GetElapsedTime(_armed) - _interval;
        Lag = late > TimeSpan.Zero ? late : TimeSpan.Zero;
        // Smoothed over about ten probes (200 ms): one late callback is noise, a run of them is load.
        SmoothedLag = SmoothedLag * 0.9 + Lag * 0.1;
        IntakeMetrics.Lag.Set(SmoothedLag.TotalSeconds);
        Update();
        _armed = _time.GetTimestamp();
        _timer?.Change(_interval, Timeout.InfiniteTimeSpan);
    }

    private void Update()
    {
        lock (_lock)
        {
            var behind = _load.Active > _maxAnswering && SmoothedLag >= _busyLag;
            if (behind && _open.Task.IsCompleted)
            {
                _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Closures++;
                IntakeMetrics.Closed.Inc();
            }
            else if (!behind && !_open.Task.IsCompleted)
            {
                _open.TrySetResult();
            }
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _open.TrySetResult();
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}

internal static class IntakeMetrics
{
    public static readonly Prometheus.Counter Closed = Prometheus.Metrics.CreateCounter("replyx_intake_paused_total",
        "Times this silo paused fetching updates because it ran behind (more dialogs answering than Telegram:IntakeMaxAnswering while busy).");

    public static readonly Prometheus.Gauge Lag = Prometheus.Metrics.CreateGauge("replyx_intake_lag_seconds",
        "How late this silo's thread pool runs queued work (smoothed over about 200 ms).");
}
