using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

public sealed class DeferredStateWriteTests
{
    private static readonly DeactivationReason Shutdown = new(DeactivationReasonCode.ShuttingDown, "silo stopping");
    private static readonly DeactivationReason Idle = new(DeactivationReasonCode.ActivationIdle, "idle");

    private static (DeferredStateWrite Writes, Func<int> Count) Pending(StateDurability? durability)
    {
        var writes = 0;
        var deferred = new DeferredStateWrite(() =>
        {
            writes++;
            return Task.CompletedTask;
        }, TimeSpan.FromMinutes(1), (_, _) => new NoTimer(), durability);
        deferred.Soon();
        return (deferred, () => writes);
    }

    [Fact]
    public async Task Pending_state_is_written_when_an_activation_goes_idle()
    {
        var (writes, count) = Pending(new StateDurability(LostAtShutdown: true));

        Assert.True(await writes.FlushOnDeactivation(Idle));
        Assert.Equal(1, count());
    }

    [Fact]
    public async Task Pending_state_is_written_at_shutdown_when_another_process_keeps_it()
    {
        var (writes, count) = Pending(new StateDurability(LostAtShutdown: false));

        Assert.True(await writes.FlushOnDeactivation(Shutdown));
        Assert.Equal(1, count());
    }

    [Fact]
    public async Task Shutdown_does_not_write_state_that_dies_with_the_process()
    {
        var (writes, count) = Pending(new StateDurability(LostAtShutdown: true));

        Assert.True(await writes.FlushOnDeactivation(Shutdown));
        Assert.Equal(0, count());
    }

    private sealed class NoTimer : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
