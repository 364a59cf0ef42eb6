using Microsoft.Extensions.Time.Testing;
using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

public sealed class KeyedBatcherTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>A target whose calls for one key can be held open, recording what each call carried.</summary>
    private sealed class Target
    {
        public readonly List<(string Key, int[] Items)> Calls = [];
        public TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? HeldKey;
        public int? Failing;

        public async Task<IReadOnlyList<string>> Send(string key, IReadOnlyList<int> items)
        {
            lock (Calls)
            {
                Calls.Add((key, items.ToArray()));
            }
            if (key == HeldKey)
            {
                Started.TrySetResult();
                await Release.Task;
            }
            if (Failing is { } bad && items.Contains(bad))
            {
                throw new InvalidOperationException("refused " + bad);
            }
            return items.Select(i => $"{key}:{i}").ToArray();
        }
    }

    [Fact]
    public async Task Calls_for_a_key_arriving_while_one_is_in_flight_go_out_together_each_with_its_own_result()
    {
        var target = new Target { HeldKey = "a" };
        var batcher = new KeyedBatcher<string, int, string>(target.Send, maxBatch: 100);

        var first = batcher.Run("a", 0); // the key is idle: sent alone, at once
        await target.Started.Task.WaitAsync(Deadline);
        var waiting = Enumerable.Range(1, 10).Select(i => batcher.Run("a", i)).ToArray();
        target.Release.SetResult();

        Assert.Equal("a:0", await first.WaitAsync(Deadline));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"a:{i}"), await Task.WhenAll(waiting).WaitAsync(Deadline));
        Assert.Equal(["a:0", "a:1,2,3,4,5,6,7,8,9,10"], target.Calls.Select(c => $"{c.Key}:{string.Join(',', c.Items)}"));
        Assert.Equal(2, batcher.Calls);
    }

    [Fact]
    public async Task A_busy_key_delays_no_other_key_and_a_call_carries_at_most_the_batch_size()
    {
        var target = new Target { HeldKey = "slow" };
        var batcher = new KeyedBatcher<string, int, string>(target.Send, maxBatch: 4);

        var slow = batcher.Run("slow", 0);
        await target.Started.Task.WaitAsync(Deadline);
        Assert.Equal("fast:1", await batcher.Run("fast", 1).WaitAsync(Deadline)); // while "slow" is still held
        var queued = Enumerable.Range(1, 10).Select(i => batcher.Run("slow", i)).ToArray();
        target.Release.SetResult();

        await Task.WhenAll(queued.Append(slow)).WaitAsync(Deadline);
        var slowCalls = target.Calls.Where(c => c.Key == "slow").Select(c => c.Items).ToList();
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6, 7, 8], [9, 10]], slowCalls);
    }

    [Fact]
    public async Task A_failed_call_fails_the_items_it_carried_and_the_next_call_goes_out()
    {
        var target = new Target { HeldKey = "a", Failing = 3 };
        var batcher = new KeyedBatcher<string, int, string>(target.Send, maxBatch: 100);

        var first = batcher.Run("a", 0);
        await target.Started.Task.WaitAsync(Deadline);
        var carried = new[] { batcher.Run("a", 2), batcher.Run("a", 3) };
        target.Release.SetResult();
        Assert.Equal("a:0", await first.WaitAsync(Deadline));
        foreach (var task in carried)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => task.WaitAsync(Deadline));
            Assert.Equal("refused 3", error.Message);
        }

        Assert.Equal("a:4", await batcher.Run("a", 4).WaitAsync(Deadline));
    }

    [Fact]
    public async Task With_a_linger_a_hot_keys_next_items_wait_for_it_and_go_together_and_a_quiet_key_is_not_delayed()
    {
        var time = new CountingTime();
        var target = new Target();
        var batcher = new KeyedBatcher<string, int, string>(target.Send, maxBatch: 100, linger: TimeSpan.FromMilliseconds(1), time);

        Assert.Equal("a:0", await batcher.Run("a", 0).WaitAsync(Deadline)); // idle: at once, no clock moved
        await WaitFor(() => time.Timers == 1); // the key lingers
        var next = Enumerable.Range(1, 5).Select(i => batcher.Run("a", i)).ToArray();
        Assert.All(next, t => Assert.False(t.IsCompleted));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"a:{i}"), await Task.WhenAll(next).WaitAsync(Deadline));
        Assert.Equal(["a:0", "a:1,2,3,4,5"], target.Calls.Select(c => $"{c.Key}:{string.Join(',', c.Items)}"));

        // Nothing came during the next linger: the key goes idle, and its next item goes out at once again.
        await WaitFor(() => time.Timers == 2);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("a:6", await batcher.Run("a", 6).WaitAsync(Deadline));
        Assert.Equal(3, batcher.Calls);
    }

    /// <summary>A fake clock that counts the timers set on it (a lingering key sets one).</summary>
    private sealed class CountingTime : FakeTimeProvider
    {
        private int _timers;

        public int Timers => Volatile.Read(ref _timers);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < Deadline, "timed out");
            await Task.Delay(5);
        }
    }
}
