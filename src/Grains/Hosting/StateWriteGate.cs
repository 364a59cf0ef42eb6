namespace ReplyX.Hosting;

/// <summary>
/// One grain-state write at a time (the Chirper sample's pattern): a grain that writes from a loop or timer
/// and from requests would otherwise overlap two writes of one activation, and the second collides with the
/// first on the storage etag. A write asked for while one runs is folded into the next one, which every
/// caller that asked meanwhile awaits. Used on the grain's scheduler only (not thread-safe by design).
/// </summary>
public sealed class StateWriteGate(Func<Task> write)
{
    private Task? _running;
    private TaskCompletionSource? _pending;

    /// <summary>Writes now, or after the running write (once for every caller that asked meanwhile).</summary>
    public Task Write()
    {
        if (_running is { IsCompleted: false })
        {
            _pending ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _pending.Task;
        }
        _running = WriteThenNext();
        return _running;
    }

    private async Task WriteThenNext()
    {
        try
        {
            await write();
        }
        finally
        {
            if (_pending is { } next)
            {
                _pending = null;
                _ = RunPending(next);
            }
        }
    }

    private async Task RunPending(TaskCompletionSource waiting)
    {
        var run = WriteThenNext();
        _running = run;
        try
        {
            await run;
            waiting.SetResult();
        }
        catch (Exception ex)
        {
            waiting.SetException(ex);
        }
    }
}
