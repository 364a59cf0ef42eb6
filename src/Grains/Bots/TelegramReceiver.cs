using Microsoft.Extensions.Logging;
using Polly;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace ReplyX.Bots;

/// <summary>What a receiver reads and changes in its bot grain (the grain persists; the receiver decides).</summary>
public interface IReceiverHost
{
    int Offset { get; }

    bool Enabled { get; }

    TelegramBotClient Poller { get; }

    Task RegisterWebhook(CancellationToken cancellationToken);

    /// <summary>Hands one update to its dialog; it returns once the dialog stored it.</summary>
    Task Accept(Update update);

    /// <summary>Telegram answered a poll: the bot is running.</summary>
    void Receiving();

    /// <summary>Updates below <paramref name="nextOffset"/> are handled; written to state at once when <paramref name="now"/>, else soon.</summary>
    Task Acknowledge(int nextOffset, bool now);

    void Failing(string error);

    /// <summary>Receiving cannot go on (token refused, another receiver for good): the bot is marked failed with the reason.</summary>
    Task Stop(string reason);
}

/// <summary>
/// A bot's receiving side: long polling, or webhook registration, until stopped. Every failure backs off
/// through one Polly pipeline; a refused token stops the bot at once, a conflict only when it lasts
/// (<see cref="TelegramOptions.ConflictGracePeriod"/>), and an update whose handling keeps failing is
/// skipped after <see cref="MaxUpdateFailures"/> attempts. Runs on its grain's scheduler.
/// </summary>
public sealed partial class TelegramReceiver(IReceiverHost host, Guid botId, TelegramOptions options, IntakeGate intake, TimeProvider time, ILogger logger)
{
    public const int MaxUpdateFailures = 5;

    private ResiliencePipeline? _backoff;
    private (int? Update, int Failures) _poison;
    private DateTimeOffset? _conflictSince;

    public async Task Run(CancellationToken cancellationToken)
    {
        var webhook = options.PublicUrl is { Length: > 0 };
        // The grain's scheduler must run every continuation: Polly's default would leave it.
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken: cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested && host.Enabled)
            {
                await Backoff().ExecuteAsync(async c => await (webhook ? host.RegisterWebhook(c.CancellationToken) : PollOnce(c.CancellationToken)), context);
                if (webhook)
                {
                    return; // Telegram now pushes the updates
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
        {
            LogStopped(botId, ex.ErrorCode, ex.Message);
            await host.Stop("Telegram no longer accepts this bot's token (revoked?). Reconnect it with a new token.");
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 409)
        {
            LogStopped(botId, ex.ErrorCode, ex.Message);
            await host.Stop("Another program is receiving this bot's updates (a second poller or a webhook). Stop it, then start the bot again.");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// One long poll. The batch's chats are handed to their dialogs in parallel (in order within a chat): a
    /// bot's intake must not wait for one dialog after another. The offset moves past the batch only after
    /// every dialog stored its updates, so a crash or a failure means Telegram delivers them again and the
    /// dialogs recognise what they already have.
    /// </summary>
    private async Task PollOnce(CancellationToken cancellationToken)
    {
        await intake.WaitForRoom(cancellationToken); // above capacity, updates wait at Telegram
        var updates = await host.Poller.GetUpdates(host.Offset, 100, (int)options.PollTimeout.TotalSeconds, [UpdateType.Message], cancellationToken);
        _conflictSince = null;
        host.Receiving();
        if (updates.Length == 0)
        {
            return;
        }
        (int Id, Exception Error)? failed = null;
        await Task.WhenAll(updates.GroupBy(u => u.Message?.Chat.Id ?? 0).Select(async chat =>
        {
            foreach (var update in chat)
            {
                try
                {
                    await host.Accept(update);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The lowest failing update is the one retried (and skipped if it keeps failing).
                    if (failed is not { } f || update.Id < f.Id)
                    {
                        failed = (update.Id, ex);
                    }
                    return; // the chat's later updates wait for it
                }
            }
        }));
        if (failed is { } failure)
        {
            _poison = (failure.Id, _poison.Update == failure.Id ? _poison.Failures : 0);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure.Error);
        }
        _poison = default;
        await host.Acknowledge(updates[^1].Id + 1, now: false);
    }

    private ResiliencePipeline Backoff() => _backoff ??= ReceiverBackoff.Build(options, time, Retryable, async failure =>
    {
        var error = Hosting.Errors.Describe(failure.Exception);
        host.Failing(error);
        LogReceiveFailed(botId, failure.Delay, error);
        if (failure.Exception is not (ApiRequestException or RequestException or HttpRequestException or OrleansException or TimeoutException)
            && _poison.Update is { } failing && ++_poison.Failures >= MaxUpdateFailures)
        {
            // A fault handling one update (a bug, or data a store refuses) must not block the bot forever.
            LogUpdateSkipped(failure.Exception, botId, failing, _poison.Failures);
            _poison = default;
            await host.Acknowledge(failing + 1, now: true); // a skipped update stays skipped
        }
    });

    /// <summary>Everything but a refused token and a lasting conflict is retried.</summary>
    private bool Retryable(Exception exception)
    {
        if (exception is ApiRequestException { ErrorCode: 401 or 404 })
        {
            return false;
        }
        if (exception is ApiRequestException { ErrorCode: 409 })
        {
            // The older of two concurrent getUpdates gets 409: after a brief double activation it passes.
            var now = time.GetUtcNow();
            _conflictSince ??= now;
            return now - _conflictSince < options.ConflictGracePeriod;
        }
        return exception is not OperationCanceledException;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId} stopped: Telegram answered {Code} {Description}")]
    private partial void LogStopped(Guid botId, int code, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId} receiving failed, retrying in {Backoff}: {Error}")]
    private partial void LogReceiveFailed(Guid botId, TimeSpan backoff, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bot {BotId}: update {UpdateId} skipped after {Failures} failed attempts")]
    private partial void LogUpdateSkipped(Exception exception, Guid botId, int updateId, int failures);
}
