using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using ReplyX.Dialogs;
using ReplyX.Security;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace ReplyX.Bots;

[GenerateSerializer, Alias("ReplyX.Bots.BotState")]
public sealed class BotState
{
    [Id(0)] public Guid AccountId { get; set; }
    [Id(1)] public Guid AssistantId { get; set; }
    [Id(2)] public string? EncryptedToken { get; set; }
    [Id(3)] public string Username { get; set; } = "";
    [Id(4)] public long TelegramId { get; set; }
    [Id(5)] public bool Enabled { get; set; }
    [Id(6)] public int Offset { get; set; }
    [Id(7)] public BotStatus Status { get; set; } = BotStatus.Stopped;
    [Id(8)] public string? LastError { get; set; }
    [Id(9)] public long UpdatesIn { get; set; }
    [Id(10)] public long RepliesOut { get; set; }
    [Id(11)] public long RateLimited { get; set; }
    [Id(12)] public string? WebhookSecret { get; set; }
    /// <summary>Chats whose last question was accepted but not yet answered; their dialogs are woken after a crash.</summary>
    [Id(13)] public List<string> Awaiting { get; set; } = [];
}

/// <summary>
/// One Telegram bot as a grain: thousands share a silo, each isolated (a bad token or a failing handler
/// affects only its bot), and a reminder brings an enabled bot back on another silo if its silo dies.
/// </summary>
[GrainType("bot")]
public sealed partial class BotGrain(
    [PersistentState("bot")] IPersistentState<BotState> state,
    TelegramClients clients,
    ISecretProtector secrets,
    IBotStore store,
    IDialogStore dialogs,
    IOptions<TelegramOptions> options,
    TimeProvider time,
    ILocalSiloDetails silo,
    ILogger<BotGrain> logger) : Grain, IBotGrain, IRemindable
{
    private const string KeepAlive = "keep-alive";
    private const int MaxAwaiting = 256;

    private readonly TelegramOptions _options = options.Value;
    private readonly LinkedList<Outgoing> _outbox = new();
    private readonly HashSet<(Guid Dialog, long Seq)> _queued = [];
    private readonly RecentKeys _delivered = new(256);
    private BotMetrics? _metrics;
    private bool _recovering;
    private const int MaxUpdateFailures = 5;
    private int? _currentUpdate;
    private int _updateFailures;
    private int? _failedUpdate;
    private Dictionary<string, IDialogGrain>? _opened;
    private bool _sweepDue;
    private int _ticks;
    private readonly Dictionary<string, DateTimeOffset> _chatNext = [];
    private readonly Queue<DateTimeOffset> _sent = new();
    private CancellationTokenSource? _polling;
    private bool _sending;
    private TelegramBotClient? _client;
    private TelegramBotClient? _poller;
    private string? _token;
    private DateTimeOffset _floodUntil;

    private Guid Id => this.GetPrimaryKey();
    private BotState S => state.State;

    private BotMetrics M => _metrics ??= new BotMetrics(Id, _options.PerBotMetrics);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Enabled && S.EncryptedToken is not null)
        {
            StartPolling();
            // A previous activation may have died with messages in its queue or questions being answered.
            _ = Recover(sweepStore: true);
        }
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _polling?.Cancel();
        _metrics?.Dispose(_outbox.Count);
        _metrics = null;
        // A send loop still awaiting must not send from a dead activation: the next one re-queues from the store.
        _outbox.Clear();
        _queued.Clear();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Re-queues outgoing messages the store still flags as awaiting delivery (a queue lost with a crashed silo,
    /// or a Deliver call that failed) and wakes dialogs that accepted a question but have not answered it.
    /// </summary>
    private async Task Recover(bool sweepStore)
    {
        if (_recovering)
        {
            return;
        }
        _recovering = true;
        try
        {
            if (sweepStore)
            {
                _sweepDue = true; // until the sweep succeeds
                var requeued = 0;
                foreach (var m in await dialogs.Undelivered(Id, 1000))
                {
                    if (Enqueue(new BotDelivery(m.Chat, m.Text, m.DialogId, m.Seq)))
                    {
                        requeued++;
                    }
                }
                _sweepDue = false;
                if (requeued > 0)
                {
                    LogRequeued(Id, requeued);
                }
            }
            foreach (var chat in S.Awaiting.ToArray())
            {
                // Activating the dialog is enough: it answers what it stored and did not answer.
                var snapshot = await Dialog(chat).Get();
                if (snapshot is null || (snapshot.PendingForAi == 0 && !snapshot.AiBusy))
                {
                    S.Awaiting.Remove(chat);
                }
            }
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or Npgsql.NpgsqlException)
        {
            LogRecoveryFailed(Id, ex.Message); // tried again at the next keep-alive tick
        }
        finally
        {
            _recovering = false;
        }
    }

    public async Task<ConnectResult> Connect(Guid accountId, Guid assistantId, string token)
    {
        if (S.EncryptedToken is not null)
        {
            return S.AccountId == accountId
                ? new ConnectResult(View(), ConnectError.None, null)
                : new ConnectResult(null, ConnectError.AlreadyConnected, "This bot id is taken.");
        }
        var (me, refused) = await CheckToken(token);
        if (refused is not null)
        {
            return refused;
        }
        if (!await store.Add(new BotRecord(Id, accountId, assistantId, me.Id, me.Username ?? me.FirstName)))
        {
            return new ConnectResult(null, ConnectError.AlreadyConnected, $"@{me.Username} is already connected.");
        }
        S.AccountId = accountId;
        S.AssistantId = assistantId;
        S.EncryptedToken = secrets.Protect(token);
        S.Username = me.Username ?? me.FirstName;
        S.TelegramId = me.Id;
        S.Enabled = true;
        S.Status = BotStatus.Starting;
        await state.WriteStateAsync();
        await KeepAliveReminder();
        StartPolling();
        LogConnected(Id, S.Username);
        return new ConnectResult(View(), ConnectError.None, null);
    }

    /// <summary>Asks Telegram who the token belongs to; a refusal comes back as the connect result to return.</summary>
    private async Task<(User Me, ConnectResult? Refused)> CheckToken(string token)
    {
        try
        {
            return (await clients.For(token).GetMe(), null);
        }
        catch (ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
        {
            clients.Forget(token);
            return (null!, new ConnectResult(null, ConnectError.TokenRejected, "Telegram rejected this token."));
        }
        catch (RequestException ex)
        {
            clients.Forget(token);
            return (null!, new ConnectResult(null, ConnectError.TelegramUnreachable, "Telegram is unreachable: " + ex.Message));
        }
    }

    public Task<BotView?> Get(Guid accountId) => Task.FromResult(Owned(accountId) ? View() : null);

    public Task<BotAdminView?> Inspect() =>
        Task.FromResult(S.EncryptedToken is null ? null : new BotAdminView(View(), silo.SiloAddress.ToString()));

    public async Task<BotView?> Start(Guid accountId)
    {
        if (!Owned(accountId))
        {
            return null;
        }
        S.Enabled = true;
        S.Status = BotStatus.Starting;
        S.LastError = null;
        await state.WriteStateAsync();
        await KeepAliveReminder();
        StartPolling();
        return View();
    }

    public async Task<BotView?> Stop(Guid accountId)
    {
        if (!Owned(accountId))
        {
            return null;
        }
        await Disable(BotStatus.Stopped, null);
        return View();
    }

    public async Task<bool> Delete(Guid accountId)
    {
        if (!Owned(accountId))
        {
            return false;
        }
        await Disable(BotStatus.Stopped, null);
        await store.Remove(accountId, Id);
        await state.ClearStateAsync();
        state.State = new BotState();
        ForgetClients();
        DeactivateOnIdle();
        return true;
    }

    public Task Typing(string chatId)
    {
        if (S.EncryptedToken is not null && S.Enabled)
        {
            _ = SendTyping(chatId);
        }
        return Task.CompletedTask;
    }

    private async Task SendTyping(string chatId)
    {
        try
        {
            await Client().SendChatAction(long.Parse(chatId, System.Globalization.CultureInfo.InvariantCulture), ChatAction.Typing);
        }
        catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException)
        {
            // A lost "typing…" hint is harmless; the answer itself goes through the paced outbox.
            LogSendFailed(Id, chatId, "chat action: " + ex.Message);
        }
    }

    public async Task<ConnectResult> RotateToken(Guid accountId, string token)
    {
        if (!Owned(accountId))
        {
            return new ConnectResult(null, ConnectError.TokenRejected, "No such bot.");
        }
        var (me, refused) = await CheckToken(token);
        if (refused is not null)
        {
            return refused;
        }
        if (me.Id != S.TelegramId)
        {
            return new ConnectResult(null, ConnectError.TokenRejected, $"This token belongs to @{me.Username}, not to @{S.Username}.");
        }
        var wasEnabled = S.Enabled;
        _polling?.Cancel();
        _polling = null;
        S.EncryptedToken = secrets.Protect(token);
        ForgetClients();
        S.Username = me.Username ?? me.FirstName;
        S.Enabled = true;
        S.Status = BotStatus.Starting;
        S.LastError = null;
        await state.WriteStateAsync();
        await KeepAliveReminder();
        StartPolling();
        LogRotated(Id, wasEnabled);
        return new ConnectResult(View(), ConnectError.None, null);
    }

    public Task Deliver(BotDelivery delivery)
    {
        if (S.EncryptedToken is null)
        {
            LogNoBot(Id, delivery.DialogId);
            return Task.CompletedTask;
        }
        if (delivery.Settled)
        {
            S.Awaiting.Remove(delivery.ChatId); // persisted with the next offset write; a stale entry only costs a wake-up
        }
        Enqueue(delivery);
        return Task.CompletedTask;
    }

    /// <summary>Queues a message once: a re-queue from the store never duplicates one queued or just sent.</summary>
    private bool Enqueue(BotDelivery delivery)
    {
        var key = (delivery.DialogId, delivery.Seq);
        if (_delivered.Contains(key) || !_queued.Add(key))
        {
            return false;
        }
        var parts = TelegramText.Split(delivery.Text);
        for (var i = 0; i < parts.Count; i++)
        {
            _outbox.AddLast(new Outgoing(delivery, parts[i], i == parts.Count - 1));
        }
        M.Queued(parts.Count);
        StartSending();
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Idempotent: an enabled bot polls, wakes dialogs with unanswered questions and, every tenth tick (or
        // after a failed sweep), re-sends what the store says is undelivered; anything else keeps quiet.
        if (S.Enabled && S.EncryptedToken is not null)
        {
            if (_polling is null)
            {
                StartPolling();
            }
            var sweep = _sweepDue || ++_ticks % 10 == 0;
            if (sweep || S.Awaiting.Count > 0)
            {
                _ = Recover(sweep);
            }
        }
        return Task.CompletedTask;
    }

    private Task KeepAliveReminder() => this.RegisterOrUpdateReminder(KeepAlive, _options.KeepAlivePeriod, _options.KeepAlivePeriod);

    private bool Owned(Guid accountId) => S.EncryptedToken is not null && S.AccountId == accountId;

    private BotView View() => new(Id, S.AccountId, S.AssistantId, S.Username, S.Status, S.LastError, S.UpdatesIn, S.RepliesOut, S.RateLimited, _outbox.Count);

    // Decrypted once per activation or rotation: Data Protection is too costly for every Bot API call.
    private TelegramBotClient Client() => _client ??= clients.For(Token());

    private TelegramBotClient Poller() => _poller ??= clients.Poller(Token());

    private string Token() => _token ??= secrets.Unprotect(S.EncryptedToken!);

    /// <summary>After rotation or deletion the old token's clients are dropped from the shared cache.</summary>
    private void ForgetClients()
    {
        if (_token is not null)
        {
            clients.Forget(_token);
        }
        _client = null;
        _poller = null;
        _token = null;
    }

    private async Task Disable(BotStatus status, string? error)
    {
        if (_options.PublicUrl is { Length: > 0 } && S.EncryptedToken is not null && status == BotStatus.Stopped)
        {
            try
            {
                await Client().DeleteWebhook();
            }
            catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException)
            {
                LogSendFailed(Id, "-", "deleteWebhook: " + ex.Message);
            }
        }
        S.Enabled = false;
        S.Status = status;
        S.LastError = error;
        _polling?.Cancel();
        _polling = null;
        await state.WriteStateAsync();
        if (await this.GetReminder(KeepAlive) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void StartPolling()
    {
        if (_polling is not null)
        {
            return;
        }
        _polling = new CancellationTokenSource();
        _ = _options.PublicUrl is { Length: > 0 } ? RegisterWebhook(_polling.Token) : Poll(_polling.Token);
    }

    /// <summary>Webhook mode: tells Telegram where to send updates, with a per-bot random secret.</summary>
    private async Task RegisterWebhook(CancellationToken cancellationToken)
    {
        var backoff = _options.RetryDelay;
        while (!cancellationToken.IsCancellationRequested && S.Enabled)
        {
            try
            {
                S.WebhookSecret ??= Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                var url = $"{_options.PublicUrl!.TrimEnd('/')}/telegram/{Id}";
                await Client().SetWebhook(url, secretToken: S.WebhookSecret, allowedUpdates: [UpdateType.Message], cancellationToken: cancellationToken);
                S.Status = BotStatus.Running;
                S.LastError = null;
                await state.WriteStateAsync(cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
            {
                await Disable(BotStatus.Failed, "Telegram no longer accepts this bot's token (revoked?). Reconnect it with a new token.");
                return;
            }
            catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException)
            {
                S.LastError = ex.Message;
                LogPollFailed(Id, backoff, ex.Message);
                await Task.Delay(backoff, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Current);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    public async Task<WebhookOutcome> ReceiveWebhook(string? secret, string updateJson)
    {
        if (S.EncryptedToken is null || S.WebhookSecret is null)
        {
            return WebhookOutcome.UnknownBot;
        }
        if (secret is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(S.WebhookSecret)))
        {
            return WebhookOutcome.WrongSecret;
        }
        Update? update;
        try
        {
            update = System.Text.Json.JsonSerializer.Deserialize<Update>(updateJson, JsonBotAPI.Options);
        }
        catch (System.Text.Json.JsonException)
        {
            return WebhookOutcome.Malformed;
        }
        if (update is null)
        {
            return WebhookOutcome.Malformed;
        }
        if (update.Id >= S.Offset)
        {
            await Accept(update);
            S.Offset = update.Id + 1;
            await state.WriteStateAsync();
        }
        // An update at or below the recorded offset is Telegram redelivering one already stored: answer 200.
        return WebhookOutcome.Accepted;
    }

    /// <summary>
    /// The long-poll loop. An update is acknowledged (the offset moves past it) only after its dialog has
    /// stored it, so a crash in between means Telegram delivers it again and the dialog recognises it.
    /// </summary>
    private async Task Poll(CancellationToken cancellationToken)
    {
        var backoff = _options.RetryDelay;
        while (!cancellationToken.IsCancellationRequested && S.Enabled)
        {
            try
            {
                var updates = await Poller().GetUpdates(S.Offset, 100, (int)_options.PollTimeout.TotalSeconds, [UpdateType.Message], cancellationToken);
                if (S.Status != BotStatus.Running)
                {
                    S.Status = BotStatus.Running;
                    S.LastError = null;
                }
                foreach (var update in updates)
                {
                    _currentUpdate = update.Id;
                    await Accept(update);
                    S.Offset = update.Id + 1;
                }
                _currentUpdate = null;
                _updateFailures = 0;
                if (updates.Length > 0)
                {
                    await state.WriteStateAsync(cancellationToken);
                }
                backoff = _options.RetryDelay;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
            {
                LogStopped(Id, ex.ErrorCode, ex.Message);
                await Disable(BotStatus.Failed, "Telegram no longer accepts this bot's token (revoked?). Reconnect it with a new token.");
                return;
            }
            catch (ApiRequestException ex) when (ex.ErrorCode == 409)
            {
                LogStopped(Id, ex.ErrorCode, ex.Message);
                await Disable(BotStatus.Failed, "Another program is receiving this bot's updates (a second poller or a webhook). Stop it, then start the bot again.");
                return;
            }
            catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException or OrleansException or TimeoutException)
            {
                // Telegram or a dialog is briefly unavailable: back off and poll again without losing the offset.
                S.LastError = ex.Message;
                LogPollFailed(Id, backoff, ex.Message);
                await Task.Delay(backoff, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Current);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A fault in handling an update (a bug, or data a store refuses) must neither end this loop (the
                // keep-alive only restarts a loop that is gone) nor block the bot forever: the same update is
                // retried with back-off, and skipped, with an error in the log, after its fifth failure.
                S.LastError = ex.Message;
                LogUpdateFailed(ex, Id, _currentUpdate, backoff);
                _updateFailures = _currentUpdate is { } current && current == _failedUpdate ? _updateFailures + 1 : 1;
                _failedUpdate = _currentUpdate;
                if (_currentUpdate is { } failing && _updateFailures >= MaxUpdateFailures)
                {
                    LogUpdateSkipped(Id, failing, _updateFailures);
                    S.Offset = failing + 1;
                    _updateFailures = 0;
                    await state.WriteStateAsync(cancellationToken);
                }
                await Task.Delay(backoff, time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Current);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task Accept(Update update)
    {
        if (update.Message is not { } message)
        {
            return; // only new messages are requested (allowed_updates); edits are never answered twice
        }
        var isGroup = message.Chat.Type is ChatType.Group or ChatType.Supergroup;
        var text = message.Text ?? message.Caption;
        if (isGroup && !AddressedToBot(message, text))
        {
            return; // in groups the bot speaks only when mentioned or replied to
        }
        var chatId = message.Chat.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Opening is idempotent but a grain call; once per chat and activation is enough (opened dialogs
        // stay opened: their start is in their persisted state). The reference is kept with it: deriving the
        // dialog's key hashes, and resolving a grain reference reflects, on every call.
        _opened ??= [];
        if (!_opened.TryGetValue(chatId, out var dialog))
        {
            dialog = Dialog(chatId);
            await dialog.Open(new DialogStart(S.AccountId, S.AssistantId, "telegram", chatId, Id));
            if (_opened.Count >= 1024)
            {
                _opened.Clear();
            }
            _opened[chatId] = dialog;
        }
        var externalId = $"tg:{update.Id}";
        if (text is not null && text.StartsWith("/start", StringComparison.Ordinal))
        {
            var (assistant, english) = await Assistant();
            var greeting = assistant?.Settings.Widget.Greeting is { Length: > 0 } g
                ? g
                : english ? "Hello! How can I help you?" : "Здравствуйте! Чем могу помочь?";
            await dialog.PostAutoReplied(text, greeting, externalId);
        }
        else if (string.IsNullOrWhiteSpace(text))
        {
            var (_, english) = await Assistant();
            var kind = message.Type.ToString().ToLowerInvariant();
            await dialog.PostAutoReplied($"[{kind}]", english
                ? "Sorry, I can only read text messages. Please describe it in words."
                : "Извините, я понимаю только текстовые сообщения. Опишите, пожалуйста, словами.", externalId);
        }
        else
        {
            if (isGroup && S.Username.Length > 0)
            {
                text = text.Replace("@" + S.Username, "", StringComparison.OrdinalIgnoreCase).Trim();
            }
            if (!S.Awaiting.Contains(chatId))
            {
                // Recorded before the dialog stores the question; persisted with the offset that acknowledges it.
                S.Awaiting.Add(chatId);
                if (S.Awaiting.Count > MaxAwaiting)
                {
                    S.Awaiting.RemoveAt(0);
                }
            }
            await dialog.PostUserMessage(text, externalId);
        }
        S.UpdatesIn++;
        M.Update();
    }

    /// <summary>The message is out: the store stops flagging it, so a later recovery does not send it again.</summary>
    private async Task Delivered(BotDelivery delivery)
    {
        var key = (delivery.DialogId, delivery.Seq);
        _queued.Remove(key);
        _delivered.Add(key);
        try
        {
            await dialogs.MarkDelivered(delivery.DialogId, delivery.Seq);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            // Sent but still flagged: a recovery on another activation could send it once more.
            LogSendFailed(Id, delivery.ChatId, "marking delivered: " + ex.Message);
        }
    }

    private async Task DropChat(string chatId)
    {
        var dropped = new List<BotDelivery>();
        for (var node = _outbox.First; node is not null;)
        {
            var following = node.Next;
            if (node.Value.Delivery.ChatId == chatId)
            {
                _outbox.Remove(node);
                M.Queued(-1);
                if (node.Value.Last)
                {
                    dropped.Add(node.Value.Delivery);
                }
            }
            node = following;
        }
        foreach (var delivery in dropped)
        {
            await Delivered(delivery);
        }
        S.Awaiting.Remove(chatId);
        if (dropped.Count > 0)
        {
            try
            {
                await GrainFactory.GetGrain<IDialogGrain>(dropped[0].DialogId).MarkUnreachable("The customer blocked the Telegram bot; messages are not delivered.");
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogSendFailed(Id, chatId, "marking the dialog unreachable: " + ex.Message);
            }
        }
    }

    /// <summary>Only fixed replies need the assistant here (its greeting and language); questions go to the dialog.</summary>
    private async Task<(Assistants.Assistant? Assistant, bool English)> Assistant()
    {
        var assistant = await GrainFactory.GetGrain<Assistants.IAssistantGrain>(S.AssistantId).Get(S.AccountId);
        return (assistant, assistant?.Settings.Language.StartsWith("en", StringComparison.OrdinalIgnoreCase) == true);
    }

    private IDialogGrain Dialog(string chatId) => GrainFactory.GetGrain<IDialogGrain>(DialogKeys.For("telegram", Id, chatId));

    private bool AddressedToBot(Message message, string? text) =>
        message.ReplyToMessage?.From?.Id == S.TelegramId
        || (text is not null && S.Username.Length > 0 && text.Contains("@" + S.Username, StringComparison.OrdinalIgnoreCase));

    private void StartSending()
    {
        if (_sending)
        {
            return;
        }
        _sending = true;
        _ = Send();
    }

    /// <summary>Sends queued messages in order per chat, within Telegram's per-bot, per-chat and per-group limits.</summary>
    private async Task Send()
    {
        try
        {
            while (_outbox.Count > 0 && S.EncryptedToken is not null)
            {
                var now = time.GetUtcNow();
                while (_sent.Count > 0 && now - _sent.Peek() >= TimeSpan.FromSeconds(1))
                {
                    _sent.Dequeue();
                }
                var wait = _floodUntil - now;
                if (_sent.Count >= _options.PerBotPerSecond)
                {
                    wait = TimeSpan.FromTicks(Math.Max(wait.Ticks, (_sent.Peek() + TimeSpan.FromSeconds(1) - now).Ticks));
                }
                LinkedListNode<Outgoing>? next = null;
                var earliestChat = DateTimeOffset.MaxValue;
                var seen = new HashSet<string>();
                for (var node = _outbox.First; node is not null; node = node.Next)
                {
                    // Only the first queued message of each chat is eligible: order within a chat is kept.
                    if (!seen.Add(node.Value.Delivery.ChatId))
                    {
                        continue;
                    }
                    var allowedAt = _chatNext.GetValueOrDefault(node.Value.Delivery.ChatId, DateTimeOffset.MinValue);
                    if (allowedAt <= now)
                    {
                        next = node;
                        break;
                    }
                    earliestChat = allowedAt < earliestChat ? allowedAt : earliestChat;
                }
                if (next is null)
                {
                    wait = TimeSpan.FromTicks(Math.Max(wait.Ticks, (earliestChat - now).Ticks));
                }
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time);
                    continue;
                }

                var item = next!.Value;
                var delivery = item.Delivery;
                var isGroup = delivery.ChatId.StartsWith('-');
                var started = time.GetUtcNow();
                try
                {
                    await Client().SendMessage(long.Parse(delivery.ChatId, System.Globalization.CultureInfo.InvariantCulture), item.Text);
                    _outbox.Remove(next);
                    S.RepliesOut++;
                    M.Sent((time.GetUtcNow() - started).TotalSeconds);
                    if (item.Last)
                    {
                        await Delivered(delivery);
                    }
                }
                catch (ApiRequestException ex) when (ex.ErrorCode == 429)
                {
                    // Telegram says how long to wait; the message stays first in line.
                    var retryAfter = TimeSpan.FromSeconds(ex.Parameters?.RetryAfter ?? 1);
                    _floodUntil = time.GetUtcNow() + retryAfter;
                    S.RateLimited++;
                    M.Flood();
                    LogFlood(Id, retryAfter);
                }
                catch (ApiRequestException ex) when (ex.ErrorCode == 403)
                {
                    // The user blocked the bot: retrying would never succeed, for this message or the chat's others.
                    LogBlocked(Id, delivery.ChatId);
                    await DropChat(delivery.ChatId);
                }
                catch (Exception ex) when (ex is RequestException or ApiRequestException or HttpRequestException)
                {
                    S.LastError = ex.Message;
                    LogSendFailed(Id, delivery.ChatId, ex.Message);
                    _floodUntil = time.GetUtcNow() + TimeSpan.FromSeconds(2);
                }
                finally
                {
                    // Counted from when the call finished: Telegram counts arrivals, and this call arrived
                    // before it finished, so the next one cannot arrive too soon after it.
                    var finished = time.GetUtcNow();
                    _chatNext[delivery.ChatId] = finished + (isGroup ? _options.GroupChatInterval : _options.PrivateChatInterval);
                    _sent.Enqueue(finished);
                }
            }
        }
        finally
        {
            _sending = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId} connected as @{Username}")]
    private partial void LogConnected(Guid botId, string username);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId} stopped: Telegram answered {Code} {Description}")]
    private partial void LogStopped(Guid botId, int code, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId} polling failed, retrying in {Backoff}: {Error}")]
    private partial void LogPollFailed(Guid botId, TimeSpan backoff, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId} hit Telegram's flood limit; waiting {RetryAfter}")]
    private partial void LogFlood(Guid botId, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId}: chat {ChatId} blocked the bot; message dropped")]
    private partial void LogBlocked(Guid botId, string chatId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId}: sending to chat {ChatId} failed: {Error}")]
    private partial void LogSendFailed(Guid botId, string chatId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId} token rotated (was enabled: {WasEnabled})")]
    private partial void LogRotated(Guid botId, bool wasEnabled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId} is not connected; message of dialog {DialogId} not sent")]
    private partial void LogNoBot(Guid botId, Guid dialogId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bot {BotId}: handling update {UpdateId} failed; retrying in {Backoff}")]
    private partial void LogUpdateFailed(Exception exception, Guid botId, int? updateId, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bot {BotId}: update {UpdateId} skipped after {Failures} failed attempts")]
    private partial void LogUpdateSkipped(Guid botId, int updateId, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId}: {Count} undelivered messages queued again from the store")]
    private partial void LogRequeued(Guid botId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId}: recovery failed, retried at the next keep-alive tick: {Error}")]
    private partial void LogRecoveryFailed(Guid botId, string error);

    private sealed record Outgoing(BotDelivery Delivery, string Text, bool Last);

    /// <summary>The last keys seen, bounded: guards a re-queue racing with a message just sent.</summary>
    private sealed class RecentKeys(int capacity)
    {
        private readonly HashSet<(Guid, long)> _set = [];
        private readonly Queue<(Guid, long)> _order = new();

        public bool Contains((Guid, long) key) => _set.Contains(key);

        public void Add((Guid, long) key)
        {
            if (!_set.Add(key))
            {
                return;
            }
            _order.Enqueue(key);
            if (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }
        }
    }
}

[GrainType("bot-catalog"), Orleans.Concurrency.StatelessWorker]
public sealed class BotCatalogGrain(IBotStore store) : Grain, IBotCatalogGrain
{
    public async Task<IReadOnlyList<Guid>> List(Guid accountId) => (await store.List(accountId)).Select(b => b.Id).ToArray();

    public async Task<IReadOnlyList<Guid>> ListAll(Guid? after, int limit) => (await store.ListAll(after, Math.Clamp(limit, 1, 500))).Select(b => b.Id).ToArray();
}
