using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

public sealed class StateWriteGateTests
{
    [Fact]
    public async Task Writes_never_overlap_and_those_asked_for_meanwhile_are_folded_into_one()
    {
        var running = 0;
        var overlaps = 0;
        var writes = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new StateWriteGate(async () =>
        {
            if (Interlocked.Increment(ref running) > 1)
            {
                overlaps++;
            }
            writes++;
            if (writes == 1)
            {
                await release.Task; // the first write is slow, as a storage round trip is
            }
            else
            {
                await Task.Yield();
            }
            Interlocked.Decrement(ref running);
        });

        var first = gate.Write();
        var during = Enumerable.Range(0, 5).Select(_ => gate.Write()).ToArray(); // a loop and requests asking meanwhile
        Assert.Equal(1, writes);
        release.SetResult();
        await first.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.WhenAll(during).WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(0, overlaps);
        Assert.Equal(2, writes);
        await gate.Write().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, writes);
    }

    [Fact]
    public async Task A_failed_write_fails_its_callers_and_the_next_write_runs()
    {
        var fail = true;
        var gate = new StateWriteGate(() => fail ? Task.FromException(new InvalidOperationException("etag")) : Task.CompletedTask);
        await Assert.ThrowsAsync<InvalidOperationException>(() => gate.Write());
        fail = false;
        await gate.Write().WaitAsync(TimeSpan.FromSeconds(5));
    }
}
