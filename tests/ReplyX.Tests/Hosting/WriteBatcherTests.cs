using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

public sealed class WriteBatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Writes_arriving_while_one_is_written_go_out_together_each_with_its_own_result()
    {
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int[]>();
        var batcher = new WriteBatcher<int, string>("test",
            (items, _) =>
            {
                lock (batches)
                {
                    batches.Add(items.ToArray());
                }
                return Task.FromResult<IReadOnlyList<string>>(items.Select(i => $"batch:{i}").ToArray());
            },
            async (item, _) =>
            {
                firstStarted.TrySetResult();
                await releaseFirst.Task;
                return $"one:{item}";
            },
            maxBatch: 100, writers: 1);

        var first = batcher.Run(0); // finds the writer idle: written alone, at once
        await firstStarted.Task.WaitAsync(Deadline);
        var waiting = Enumerable.Range(1, 10).Select(batcher.Run).ToArray();
        releaseFirst.SetResult();

        Assert.Equal("one:0", await first.WaitAsync(Deadline));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"batch:{i}"), await Task.WhenAll(waiting).WaitAsync(Deadline));
        Assert.Equal([Enumerable.Range(1, 10).ToArray()], batches);
        Assert.Equal(2, batcher.Batches);
    }

    [Fact]
    public async Task A_failing_batch_is_retried_item_by_item_so_only_the_bad_item_fails()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new WriteBatcher<int, int>("test",
            (_, _) => throw new InvalidOperationException("constraint violated"),
            async (item, _) =>
            {
                if (item == 0)
                {
                    started.TrySetResult();
                    await gate.Task;
                }
                return item == 13 ? throw new ArgumentException("item 13 breaks a constraint") : item * 2;
            },
            maxBatch: 100, writers: 1);

        var blocker = batcher.Run(0);
        await started.Task.WaitAsync(Deadline);
        var items = new[] { 11, 12, 13, 14 }.Select(i => (Item: i, Task: batcher.Run(i))).ToArray();
        gate.SetResult();

        Assert.Equal(0, await blocker.WaitAsync(Deadline));
        foreach (var (item, task) in items)
        {
            if (item == 13)
            {
                await Assert.ThrowsAsync<ArgumentException>(() => task.WaitAsync(Deadline));
            }
            else
            {
                Assert.Equal(item * 2, await task.WaitAsync(Deadline));
            }
        }
    }

    [Fact]
    public async Task A_batch_returning_the_wrong_number_of_results_is_not_trusted()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new WriteBatcher<int, int>("test",
            (items, _) => Task.FromResult<IReadOnlyList<int>>([items[0]]),
            async (item, _) =>
            {
                started.TrySetResult();
                await gate.Task;
                return -item;
            },
            maxBatch: 100, writers: 1);

        var blocker = batcher.Run(1);
        await started.Task.WaitAsync(Deadline);
        var later = new[] { batcher.Run(2), batcher.Run(3) };
        gate.SetResult();

        Assert.Equal(-1, await blocker.WaitAsync(Deadline));
        var results = await Task.WhenAll(later).WaitAsync(Deadline);
        Assert.Equal(new[] { -2, -3 }, results);
    }
}
