using Microsoft.Extensions.Logging;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

/// <summary>
/// Hands a dialog's stored messages to its channel. A failed hand-over (the outbox's silo is briefly gone) is
/// retried from the dialog every <see cref="DialogOptions.DeliveryRetryDelay"/>, up to
/// <see cref="DialogOptions.DeliveryRetries"/> times; after that the message stays flagged in the store and
/// the recovery sweep brings the dialog back to it. The channel ignores a message it already has.
/// </summary>
public sealed partial class ChannelHandOver(Guid dialogId, DialogOptions options, Func<Func<Task>, TimeSpan, IDisposable> schedule, ILogger logger)
{
    public async Task Deliver(IDialogChannel channel, DialogStart start, DialogMessage message, int attempt = 0)
    {
        try
        {
            await channel.Deliver(start, dialogId, message);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogHandOverFailed(dialogId, message.Seq, attempt, Errors.Describe(ex));
            if (attempt < options.DeliveryRetries)
            {
                IDisposable? timer = null;
                timer = schedule(async () =>
                {
                    timer?.Dispose();
                    await Deliver(channel, start, message, attempt + 1);
                }, options.DeliveryRetryDelay);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId}: handing message {Seq} to the channel failed (attempt {Attempt}): {Error}")]
    private partial void LogHandOverFailed(Guid dialogId, long seq, int attempt, string error);
}
