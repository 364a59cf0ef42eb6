using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ReplyX.Bots;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Bots;

public sealed class IntakeGateTests
{
    private static readonly TimeSpan Probe = TimeSpan.FromMilliseconds(20);

    private static IntakeGate Gate(FakeTimeProvider time, AnsweringLoad load, int maxAnswering = 3) =>
        new(Options.Create(new TelegramOptions { IntakeMaxAnswering = maxAnswering, IntakeBusyLag = TimeSpan.FromMilliseconds(5) }), load, time);

    private static AnsweringLoad Answering(int count)
    {
        var load = new AnsweringLoad();
        for (var i = 0; i < count; i++)
        {
            load.Enter();
        }
        return load;
    }

    /// <summary>Probes whose callbacks each run <paramref name="late"/> after they were due (the thread pool is that far behind).</summary>
    private static void Probes(FakeTimeProvider time, int count, TimeSpan late)
    {
        for (var i = 0; i < count; i++)
        {
            time.Advance(Probe + late);
        }
    }

    [Fact]
    public async Task Intake_waits_while_many_dialogs_answer_on_a_busy_silo_and_goes_on_once_it_caught_up()
    {
        var time = new FakeTimeProvider();
        var load = Answering(4);
        using var gate = Gate(time, load);
        await gate.WaitForRoom(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); // nothing measured yet

        Probes(time, 20, TimeSpan.FromMilliseconds(30));
        Assert.False(gate.IsOpen);
        var waiting = gate.WaitForRoom(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        // Answers finish: fewer dialogs answering than the limit opens the gate at the next probe, busy or not.
        load.Exit();
        load.Exit();
        Probes(time, 1, TimeSpan.FromMilliseconds(30));
        await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, gate.Closures);
    }

    [Fact]
    public void Many_slow_answers_on_an_idle_silo_hold_nobody_back()
    {
        // A slow model provider: many dialogs wait for it, the CPU does not.
        var time = new FakeTimeProvider();
        using var gate = Gate(time, Answering(1000));
        Probes(time, 50, TimeSpan.Zero);
        Assert.True(gate.IsOpen);
        Assert.Equal(TimeSpan.Zero, gate.SmoothedLag);
    }

    [Fact]
    public void One_late_probe_is_noise_a_run_of_them_is_load()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(time, Answering(10));
        Probes(time, 1, TimeSpan.FromMilliseconds(30));
        Assert.True(gate.IsOpen); // smoothed: 3 ms
        Probes(time, 30, TimeSpan.Zero);
        Assert.True(gate.IsOpen);
        Probes(time, 10, TimeSpan.FromMilliseconds(30));
        Assert.False(gate.IsOpen);
    }

    [Fact]
    public async Task A_waiting_poll_is_cancelled_with_its_bot()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(time, Answering(10));
        Probes(time, 20, TimeSpan.FromMilliseconds(50));
        using var stop = new CancellationTokenSource();
        var waiting = gate.WaitForRoom(stop.Token);
        Assert.False(waiting.IsCompleted);
        stop.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Turned_off_intake_never_waits()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(time, Answering(10_000), maxAnswering: 0);
        Probes(time, 50, TimeSpan.FromMilliseconds(100));
        Assert.True(gate.IsOpen);
        Assert.True(gate.WaitForRoom(CancellationToken.None).IsCompleted);
    }
}
