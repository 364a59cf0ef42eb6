using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplyX.Dialogs;
using ReplyX.Hosting;
using ReplyX.Security;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types.Enums;

namespace ReplyX.Bots;

[GenerateSerializer, Alias("ReplyX.Bots.BotOutboxState")]
public sealed class BotOutboxState
{
    [Id(0)] public Guid AccountId { get; set; }
    [Id(1)] public string? EncryptedToken { get; set; }
    [Id(2)] public long RepliesOut { get; set; }
    [Id(3)] public long RateLimited { get; set; }
    [Id(4)] public long Refused { get; set; }
}

/// <summary>
/// A bot's outgoing side, apart from its receiving side so that dialogs hand it messages one way (the bot
/// calls dialogs, dialogs call this, this calls no grain). The queue survives the loss of this activation
/// through the dialog store's delivery flag: a new activation re-queues what is still flagged.
/// </summary>
[GrainType("bot-outbox")]
public sealed partial class BotOutboxGrain(
    [PersistentState("bot-outbox")] IPersistentState<BotOutboxState> state,
    TelegramClients clients,
    ISecretProtector secrets,
    IDialogStore dialogs,
    ReplyX.Billing.ServiceCharges charges,
    StateDurability durability,
    IOptions<TelegramOptions> options,
    TimeProvider time,
    ILogger<BotOutboxGrain> logger) : Grain, IBotOutboxGrain
{
    private readonly TelegramOutbox _outbox = new(options.Value);
    private readonly TelegramOptions _options = options.Value;
    private DeferredStateWrite? _writes;
    private BotMetrics? _metrics;
    private bool _sending;
    private BotClients? _bot;

    private Guid Id => this.GetPrimaryKey();
    private BotOutboxState S => state.State;
    private BotClients Bot
    {
        get
        {
            (_bot ??= new BotClients(clients, secrets)).Use(S.EncryptedToken);
            return _bot;
        }
    }
    private BotMetrics M => _metrics ??= new BotMetrics(Id, _options.PerBotMetrics);
    // Counters are written within StateFlushDelay, not per message.
    private DeferredStateWrite Writes => _writes ??= new DeferredStateWrite(() => state.WriteStateAsync(), _options.StateFlushDelay,
        (callback, due) => this.RegisterGrainTimer(_ => callback(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true }), durability);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.EncryptedToken is not null)
        {
            // A previous activation may have died with messages in its queue; awaited, so the first call
            // after a reactivation already sees them queued.
            await Requeue();
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _metrics?.Dispose();
        _metrics = null;
        // A send loop still awaiting must not send from a dead activation: the next one re-queues from the store.
        _outbox.Clear();
        if (!await Writes.FlushOnDeactivation(reason))
        {
            LogCountersLost(Id); // counters only: the messages' delivery flags are in the dialog store
        }
    }

    public async Task Configure(Guid accountId, string? encryptedToken)
    {
        if (S.AccountId == accountId && S.EncryptedToken == encryptedToken)
        {
            return;
        }
        S.AccountId = accountId;
        S.EncryptedToken = encryptedToken;
        if (encryptedToken is null)
        {
            _outbox.Clear();
        }
        await Writes.Now();
    }

    public Task Deliver(BotDelivery delivery)
    {
        if (S.EncryptedToken is null || delivery.AccountId != S.AccountId)
        {
            // The bot was deleted (or the message is not this bot's account's): refused for good, so the
            // dialog records why instead of handing it over again at every recovery sweep.
            LogNotConfigured(Id, delivery.DialogId);
            return Settled(delivery, DeliveryRefusals.Rejected + "the bot is no longer connected");
        }
        if (_outbox.Enqueue(delivery))
        {
            M.Queued(_outbox.Count);
            StartSending();
        }
        return Task.CompletedTask;
    }

    public Task Typing(Guid accountId, string chatId)
    {
        if (S.EncryptedToken is not null && accountId == S.AccountId && _outbox.TryStartTyping(chatId))
        {
            _ = SendTyping(chatId);
        }
        return Task.CompletedTask;
    }

    public Task<OutboxStats> Stats() => Task.FromResult(new OutboxStats(_outbox.Count, S.RepliesOut, S.RateLimited, S.Refused));

    private async Task Requeue()
    {
        try
        {
            var requeued = 0;
            foreach (var m in await dialogs.Undelivered(Id, 1000))
            {
                requeued += _outbox.Enqueue(new BotDelivery(m.Chat, m.Text, m.DialogId, m.Seq, S.AccountId)) ? 1 : 0;
            }
            if (requeued > 0)
            {
                M.Queued(_outbox.Count);
                LogRequeued(Id, requeued);
                StartSending();
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            // The dialogs' own recovery hands these messages over again.
            LogSendFailed(Id, "-", "re-queueing from the store", Errors.Describe(ex));
        }
    }

    private async Task SendTyping(string chatId)
    {
        try
        {
            await Bot.Actions.SendChatAction(long.Parse(chatId, CultureInfo.InvariantCulture), ChatAction.Typing);
            M.ChatAction();
        }
        catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException or TaskCanceledException)
        {
            // A lost "typing…" hint is harmless; the answer itself goes through the paced queue.
            LogSendFailed(Id, chatId, "chat action", Errors.Describe(ex));
        }
        finally
        {
            _outbox.TypingDone(chatId);
        }
    }

    private void StartSending()
    {
        if (!_sending)
        {
            _sending = true;
            _ = Send();
        }
    }

    /// <summary>Sends queued parts, one call at a time, within Telegram's limits, until the queue is empty.</summary>
    private async Task Send()
    {
        try
        {
            while (S.EncryptedToken is not null)
            {
                var step = _outbox.Next(time.GetUtcNow());
                if (step.Idle)
                {
                    return;
                }
                if (step.Part is not { } part)
                {
                    await Task.Delay(step.Wait!.Value, time);
                    continue;
                }
                await SendPart(part);
            }
        }
        finally
        {
            _sending = false;
        }
    }

    private async Task SendPart(OutgoingPart part)
    {
        var delivery = part.Delivery;
        var started = time.GetUtcNow();
        try
        {
            await Bot.Calls.SendMessage(long.Parse(delivery.ChatId, CultureInfo.InvariantCulture), part.Text);
            S.RepliesOut++;
            M.Sent((time.GetUtcNow() - started).TotalSeconds, _outbox.Count - 1);
            if (_outbox.Sent(part))
            {
                await Settled(delivery, refusal: null);
            }
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 429)
        {
            // Telegram says how long to wait; the part stays first in line.
            var retryAfter = TimeSpan.FromSeconds(ex.Parameters?.RetryAfter ?? 1);
            _outbox.Pause(time.GetUtcNow() + retryAfter);
            S.RateLimited++;
            M.Flood();
            LogFlood(Id, retryAfter);
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 403)
        {
            // The user blocked the bot (or removed it from the group): nothing queued for the chat can go out.
            LogRefused(Id, delivery.ChatId, ex.ErrorCode, ex.Message);
            foreach (var dropped in _outbox.DropChat(delivery.ChatId))
            {
                await Settled(dropped, DeliveryRefusals.Blocked);
            }
            M.Queued(_outbox.Count);
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 400 && ex.Parameters?.MigrateToChatId is { } migrated)
        {
            // The group became a supergroup: the same conversation goes on under the new chat id.
            _outbox.MoveChat(delivery.ChatId, migrated.ToString(CultureInfo.InvariantCulture));
        }
        catch (ApiRequestException ex) when (ex.ErrorCode == 400)
        {
            // Refused for good (chat not found, text refused…): retrying would stall every other chat behind it.
            LogRefused(Id, delivery.ChatId, ex.ErrorCode, ex.Message);
            _outbox.DropDelivery(delivery);
            M.Queued(_outbox.Count);
            await Settled(delivery, DeliveryRefusals.Rejected + ex.Message);
        }
        catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException or TaskCanceledException)
        {
            // Telegram is unreachable or failing (5xx): every chat waits a moment, nothing is dropped.
            LogSendFailed(Id, delivery.ChatId, "sendMessage", Errors.Describe(ex));
            _outbox.Pause(time.GetUtcNow() + TimeSpan.FromSeconds(2));
        }
        finally
        {
            _outbox.Attempted(part, time.GetUtcNow());
            Writes.Soon();
        }
    }

    /// <summary>The message is out, or refused for good: the store stops flagging it (a refusal is kept for the dialog).</summary>
    private async Task Settled(BotDelivery delivery, string? refusal)
    {
        if (refusal is not null)
        {
            S.Refused++;
        }
        try
        {
            if (refusal is null)
            {
                // Charged before the flag is cleared: a crash between the two sends it again, charged once by its key.
                await charges.Charge(S.AccountId, ReplyX.Billing.BillingServices.BotMessage, ReplyX.Billing.ServiceCharges.BotMessageKey(delivery.DialogId, delivery.Seq),
                    $"bot:{Id}:dialog:{delivery.DialogId}:{delivery.Seq}");
            }
            await dialogs.MarkDelivered(delivery.DialogId, delivery.Seq, refusal);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or OrleansException)
        {
            // Sent but still flagged: a later recovery could send it once more.
            LogSendFailed(Id, delivery.ChatId, "marking delivered", Errors.Describe(ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId} is not connected (or not of this account): message of dialog {DialogId} refused")]
    private partial void LogNotConfigured(Guid botId, Guid dialogId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId} hit Telegram's flood limit; waiting {RetryAfter}")]
    private partial void LogFlood(Guid botId, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId}: chat {ChatId} refused the message for good ({Code}: {Description})")]
    private partial void LogRefused(Guid botId, string chatId, int code, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId}: {Call} for chat {ChatId} failed: {Error}")]
    private partial void LogSendFailed(Guid botId, string chatId, string call, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Bot {BotId}: outbox counters not written at shutdown (the storage was gone)")]
    private partial void LogCountersLost(Guid botId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId}: {Count} undelivered messages queued again from the store")]
    private partial void LogRequeued(Guid botId, int count);
}
