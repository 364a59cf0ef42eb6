namespace ReplyX.Hosting;

/// <summary>
/// Grain state written soon rather than at once: counters moved by every message are folded into one write
/// within <c>delay</c> (what they repeat is in the store, and activation recomputes it after a crash), while
/// changes that matter are written now. All writes go through one <see cref="StateWriteGate"/>.
/// </summary>
public sealed class DeferredStateWrite(Func<Task> write, TimeSpan delay, Func<Func<Task>, TimeSpan, IDisposable> schedule,
    StateDurability? durability = null)
{
    private readonly StateWriteGate _gate = new(write);
    private IDisposable? _timer;
    private bool _dirty;

    /// <summary>Writes now (and so also anything pending).</summary>
    public Task Now()
    {
        _dirty = false;
        return _gate.Write();
    }

    /// <summary>Writes within the delay.</summary>
    public void Soon()
    {
        _dirty = true;
        _timer ??= schedule(async () =>
        {
            _timer?.Dispose();
            _timer = null;
            if (_dirty)
            {
                await Now();
            }
        }, delay);
    }

    /// <summary>On deactivation: what is pending is written before the activation goes.</summary>
    public Task Flush()
    {
        _timer?.Dispose();
        _timer = null;
        return _dirty ? Now() : Task.CompletedTask;
    }

    /// <summary>
    /// <see cref="Flush"/> from <c>OnDeactivateAsync</c>. At silo shutdown the storage may already be gone
    /// (memory storage lives in grains of the same silo, and goes with it): what was pending is then lost,
    /// which only deferred counters may be. False when that happened, for the caller to log. When the state
    /// dies with the process anyway (<see cref="StateDurability.LostAtShutdown"/>), a shutdown does not try:
    /// each try would fail in Orleans' placement and be logged there, with its stack, once per grain.
    /// </summary>
    public async Task<bool> FlushOnDeactivation(DeactivationReason reason)
    {
        if (reason.ReasonCode is DeactivationReasonCode.ShuttingDown && durability is { LostAtShutdown: true })
        {
            _timer?.Dispose();
            _timer = null;
            return true;
        }
        try
        {
            await Flush();
            return true;
        }
        catch (OrleansException) when (reason.ReasonCode is DeactivationReasonCode.ShuttingDown)
        {
            return false;
        }
    }
}
