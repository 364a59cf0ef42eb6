namespace ReplyX.Hosting;

/// <summary>
/// Combines calls to one target (a grain, by its key) that arrive while a call to it is in flight: at most one
/// call per key is outstanding, and everything queued for that key meanwhile goes out as one list in the next.
/// A call that finds its key idle goes out at once (no timer, no added latency when quiet); under load, thousands
/// of calls a second to one hot grain become a few hundred. Each caller gets its own result, or the exception of
/// the call that carried its item. The calls run on the thread pool, outside the caller's grain context.
/// With a <c>linger</c>, a key whose call just returned stays busy that long before it goes idle, so a hot key's
/// next items go together rather than one by one as fast as the round trip allows (a quiet key is not delayed).
/// </summary>
public sealed class KeyedBatcher<TKey, TItem, TResult> where TKey : notnull
{
    private readonly Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _send;
    private readonly int _maxBatch;
    private readonly TimeSpan _linger;
    private readonly TimeProvider _time;
    private readonly Dictionary<TKey, List<Pending>> _queues = [];
    private long _calls;

    /// <param name="send">Sends several items to the target of one key; returns one result per item, in order.</param>
    /// <param name="maxBatch">The most items one call carries.</param>
    /// <param name="linger">How long a key stays busy after its call returned with nothing queued (zero: none).</param>
    public KeyedBatcher(Func<TKey, IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send, int maxBatch,
        TimeSpan linger = default, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(linger, TimeSpan.Zero);
        _send = send;
        _maxBatch = maxBatch;
        _linger = linger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Calls made so far (against the items sent, a measure of how much was combined).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    public Task<TResult> Run(TKey key, TItem item)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool idle;
        lock (_queues)
        {
            idle = !_queues.TryGetValue(key, out var queue);
            if (idle)
            {
                // The key's queue exists while a call for it is in flight: its presence is the "busy" flag.
                queue = [];
                _queues[key] = queue;
            }
            queue!.Add(pending);
        }
        if (idle)
        {
            _ = Task.Run(() => Drain(key));
        }
        return pending.Done.Task;
    }

    private async Task Drain(TKey key)
    {
        var lingered = true; // the first call of an idle key goes out at once
        while (true)
        {
            List<Pending> batch;
            lock (_queues)
            {
                var queue = _queues[key];
                if (queue.Count == 0 && (lingered || _linger == TimeSpan.Zero))
                {
                    _queues.Remove(key);
                    return;
                }
                batch = queue.Count == 0 ? [] : TakeBatch(queue);
            }
            if (batch.Count == 0)
            {
                lingered = true;
                await Task.Delay(_linger, _time);
                continue;
            }
            lingered = false;
            Interlocked.Increment(ref _calls);
            try
            {
                var results = await _send(key, batch.ConvertAll(p => p.Item));
                if (results.Count != batch.Count)
                {
                    throw new InvalidOperationException($"A batched call returned {results.Count} results for {batch.Count} items.");
                }
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                // The call failed as a whole: every item it carried fails with it (its callers retry by their keys).
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }
            }
        }
    }

    private List<Pending> TakeBatch(List<Pending> queue)
    {
        var count = Math.Min(queue.Count, _maxBatch);
        var batch = queue.GetRange(0, count);
        queue.RemoveRange(0, count);
        return batch;
    }

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done);
}
