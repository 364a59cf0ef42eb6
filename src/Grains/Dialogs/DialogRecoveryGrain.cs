using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplyX.Dialogs;

/// <summary>
/// The one sweep that keeps dialogs whole across crashes: every <see cref="DialogOptions.RecoveryPeriod"/> it
/// asks the store for dialogs whose flags (a question without an answer, a message without a delivery
/// verdict) are older than <see cref="DialogOptions.RecoveryAge"/> and wakes each; the dialog does the rest.
/// One reminder for the cluster instead of one per dialog, and nothing for the bots to keep.
/// </summary>
[GrainType("dialog-recovery")]
public sealed partial class DialogRecoveryGrain(IDialogStore store, IOptions<DialogOptions> options, TimeProvider time, ILogger<DialogRecoveryGrain> logger)
    : Grain, IDialogRecoveryGrain, IRemindable
{
    private const string Reminder = "sweep";
    private const int Batch = 500;
    private bool _sweeping;

    public Task Start() => this.RegisterOrUpdateReminder(Reminder, options.Value.RecoveryPeriod, options.Value.RecoveryPeriod);

    public Task ReceiveReminder(string reminderName, TickStatus status) => _sweeping ? Task.CompletedTask : Sweep();

    public async Task<int> Sweep()
    {
        _sweeping = true;
        try
        {
            var stalled = await store.Stalled(time.GetUtcNow() - options.Value.RecoveryAge, Batch);
            foreach (var chunk in stalled.Chunk(32))
            {
                await Task.WhenAll(chunk.Select(Wake));
            }
            if (stalled.Count > 0)
            {
                LogWoken(stalled.Count);
            }
            return stalled.Count;
        }
        finally
        {
            _sweeping = false;
        }
    }

    private async Task Wake(Guid dialogId)
    {
        try
        {
            await GrainFactory.GetGrain<IDialogGrain>(dialogId).Resume();
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or InvalidOperationException)
        {
            LogWakeFailed(dialogId, Hosting.Errors.Describe(ex)); // tried again at the next sweep
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recovery sweep woke {Count} dialogs with unanswered or undelivered messages")]
    private partial void LogWoken(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recovery sweep could not wake dialog {DialogId}: {Error}")]
    private partial void LogWakeFailed(Guid dialogId, string error);
}

/// <summary>Registers the sweep's reminder once the silo runs (every silo does; the registration is idempotent).</summary>
public sealed partial class DialogRecoveryStarter(IGrainFactory grains, ILogger<DialogRecoveryStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var delay = TimeSpan.FromSeconds(1); !stoppingToken.IsCancellationRequested; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks)))
        {
            try
            {
                await grains.GetGrain<IDialogRecoveryGrain>(0).Start();
                return;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogStartFailed(delay, Hosting.Errors.Describe(ex));
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog recovery sweep not registered yet, retrying in {Delay}: {Error}")]
    private partial void LogStartFailed(TimeSpan delay, string error);
}
