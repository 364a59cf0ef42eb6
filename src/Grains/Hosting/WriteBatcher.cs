using System.Threading.Channels;

namespace ReplyX.Hosting;

/// <summary>
/// Group commit for small writes that many grains make at once (a dialog's message, a delivery mark): what
/// arrives while a batch is being written goes out together in the next one, so under load thousands of
/// one-row statements become a few hundred multi-row ones, while a write that finds the writers idle goes out
/// at once (no timer, no added latency when quiet). Each caller still gets its own result. If a batch fails,
/// its items are retried one by one, so one bad item (a constraint it breaks) fails alone.
/// </summary>
public sealed class WriteBatcher<TItem, TResult>
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> _batch;
    private readonly Func<TItem, CancellationToken, Task<TResult>> _single;
    private readonly int _maxBatch;
    private readonly int _writers;
    private int _started;
    private readonly string _name;

    private static readonly Prometheus.Counter Metrics = Prometheus.Metrics.CreateCounter("replyx_write_batches_total",
        "Multi-row write batches, by writer and outcome (a failed batch is retried item by item).", "writer", "outcome");

    /// <param name="name">The writer's name in metrics.</param>
    /// <param name="batch">Writes several items in one statement; returns one result per item, in order.</param>
    /// <param name="single">Writes one item (a batch of one, and the retry of a failed batch).</param>
    /// <param name="writers">Batches written at the same time (each holds a connection while it runs).</param>
    public WriteBatcher(string name, Func<IReadOnlyList<TItem>, CancellationToken, Task<IReadOnlyList<TResult>>> batch,
        Func<TItem, CancellationToken, Task<TResult>> single, int maxBatch, int writers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _name = name;
        _batch = batch;
        _single = single;
        _maxBatch = maxBatch;
        _writers = writers;
    }

    /// <summary>Batches written so far (a measure of how much was combined).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    private long _batches;

    public Task<TResult> Run(TItem item)
    {
        // Completions run off the writer's thread: a caller's continuation must never delay the next batch.
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The write batcher is closed.");
        }
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            // Started by the first write: a store that is only read from runs no writer loops.
            for (var i = 0; i < _writers; i++)
            {
                _ = Task.Run(Write);
            }
        }
        return pending.Done.Task;
    }

    private async Task Write()
    {
        var taken = new List<Pending>(_maxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            taken.Clear();
            while (taken.Count < _maxBatch && _queue.Reader.TryRead(out var pending))
            {
                taken.Add(pending);
            }
            if (taken.Count == 0)
            {
                continue; // another writer took them
            }
            Interlocked.Increment(ref _batches);
            if (taken.Count == 1)
            {
                await One(taken[0]);
                continue;
            }
            IReadOnlyList<TResult> results;
            try
            {
                results = await _batch(taken.ConvertAll(p => p.Item), CancellationToken.None);
                if (results.Count != taken.Count)
                {
                    throw new InvalidOperationException($"A batch of {taken.Count} returned {results.Count} results.");
                }
            }
            catch (Exception)
            {
                // Counted, not logged: each item's own failure (if any) reaches its caller, who logs it.
                Metrics.WithLabels(_name, "failed").Inc();
                // Which item broke the batch is unknown: each is written alone and gets its own outcome.
                foreach (var pending in taken)
                {
                    await One(pending);
                }
                continue;
            }
            Metrics.WithLabels(_name, "written").Inc();
            for (var i = 0; i < taken.Count; i++)
            {
                taken[i].Done.TrySetResult(results[i]);
            }
        }
    }

    private async Task One(Pending pending)
    {
        try
        {
            pending.Done.TrySetResult(await _single(pending.Item, CancellationToken.None));
        }
        catch (Exception ex)
        {
            pending.Done.TrySetException(ex); // the caller sees its own failure
        }
    }

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done);
}
