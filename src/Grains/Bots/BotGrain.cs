using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplyX.Assistants;
using ReplyX.Dialogs;
using ReplyX.Hosting;
using ReplyX.Security;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace ReplyX.Bots;

/// <summary>
/// One Telegram bot's lifecycle and receiving side: token, keep-alive, long polling or webhook, and the hand-
/// over of each update to its dialog. Replies go out through the bot's outbox grain, which dialogs call
/// directly, so no call ever comes back here from a dialog. Thousands share a silo, each isolated, and the
/// keep-alive reminder brings an enabled bot back on another silo if its silo dies.
/// </summary>
[GrainType("bot")]
public sealed class BotGrain(
    [PersistentState("bot")] IPersistentState<BotState> state,
    TelegramClients clients,
    IntakeGate intake,
    ISecretProtector secrets,
    WebhookSecrets webhooks,
    IBotStore store,
    IOptions<TelegramOptions> options,
    TimeProvider time,
    ILocalSiloDetails silo,
    ILogger<BotGrain> logger) : Grain, IBotGrain, IRemindable, IReceiverHost
{
    private const string KeepAlive = "keep-alive";

    private readonly TelegramOptions _options = options.Value;
    private TelegramIntake? _intake;
    private DeferredStateWrite? _writes;
    private TelegramReceiver? _receiver;
    private BotMetrics? _metrics;
    private CancellationTokenSource? _receiving;
    private IBotOutboxGrain? _outbox;
    private BotClients? _bot;
    private BotStatusFeed? _feed;
    private BotStatusFeed Feed => _feed ??= new BotStatusFeed(this.GetStreamProvider(StreamNames.Provider), Id, logger);

    private Guid Id => this.GetPrimaryKey();
    private BotState S => state.State;
    private BotMetrics M => _metrics ??= new BotMetrics(Id, _options.PerBotMetrics);
    // Lifecycle changes are written at once; the offset, which every batch moves, within StateFlushDelay.
    private DeferredStateWrite Writes => _writes ??= new DeferredStateWrite(() => state.WriteStateAsync(), _options.StateFlushDelay,
        (callback, due) => this.RegisterGrainTimer(_ => callback(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true }));
    private IBotOutboxGrain Outbox => _outbox ??= GrainFactory.GetGrain<IBotOutboxGrain>(Id);
    private BotClients Bot
    {
        get
        {
            (_bot ??= new BotClients(clients, secrets)).Use(S.EncryptedToken);
            return _bot;
        }
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.EncryptedToken is not null)
        {
            await Outbox.Configure(S.AccountId, S.EncryptedToken); // idempotent; brings a lost outbox back
            if (S.Enabled)
            {
                StartReceiving();
            }
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _receiving?.Cancel();
        _metrics?.Dispose();
        return Task.CompletedTask;
    }

    public async Task<ConnectResult> Connect(Guid accountId, Guid assistantId, string token)
    {
        if (S.EncryptedToken is not null)
        {
            return S.AccountId == accountId
                ? new ConnectResult(await View(), ConnectError.None, null)
                : new ConnectResult(null, ConnectError.AlreadyConnected, "This bot id is taken.");
        }
        var (me, refused) = await clients.CheckToken(token);
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
        S.TelegramId = me.Id;
        await Enable(token, me);
        BotLog.Connected(logger, Id, S.Username);
        return new ConnectResult(await View(), ConnectError.None, null);
    }

    public async Task<ConnectResult> RotateToken(Guid accountId, string token)
    {
        if (!Owned(accountId))
        {
            return new ConnectResult(null, ConnectError.TokenRejected, "No such bot.");
        }
        var (me, refused) = await clients.CheckToken(token);
        if (refused is not null)
        {
            return refused;
        }
        if (me.Id != S.TelegramId)
        {
            return new ConnectResult(null, ConnectError.TokenRejected, $"This token belongs to @{me.Username}, not to @{S.Username}.");
        }
        var wasEnabled = S.Enabled;
        StopReceiving();
        Bot.Forget();
        await Enable(token, me);
        BotLog.Rotated(logger, Id, wasEnabled);
        return new ConnectResult(await View(), ConnectError.None, null);
    }

    private async Task Enable(string token, User me)
    {
        S.EncryptedToken = secrets.Protect(token);
        S.Username = me.Username ?? me.FirstName;
        await Outbox.Configure(S.AccountId, S.EncryptedToken);
        await Start(S.AccountId);
    }

    public async Task<BotView?> Get(Guid accountId) => Owned(accountId) ? await View() : null;

    public async Task<BotAdminView?> Inspect() =>
        S.EncryptedToken is null ? null : new BotAdminView(await View(), silo.SiloAddress.ToString());

    public async Task<BotView?> Start(Guid accountId)
    {
        if (!Owned(accountId))
        {
            return null;
        }
        S.Enabled = true;
        S.Status = BotStatus.Starting;
        S.LastError = null;
        await Writes.Now();
        await Feed.Changed(S.AccountId, S.Status, null);
        await this.RegisterOrUpdateReminder(KeepAlive, _options.KeepAlivePeriod, _options.KeepAlivePeriod);
        StartReceiving();
        return await View();
    }

    public async Task<BotView?> Stop(Guid accountId)
    {
        if (!Owned(accountId))
        {
            return null;
        }
        await Disable(BotStatus.Stopped, null);
        return await View();
    }

    public async Task<bool> Delete(Guid accountId)
    {
        if (!Owned(accountId))
        {
            return false;
        }
        await Disable(BotStatus.Stopped, null);
        await Outbox.Configure(accountId, null);
        await store.Remove(accountId, Id);
        await state.ClearStateAsync();
        state.State = new BotState();
        Bot.Forget();
        DeactivateOnIdle();
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Idempotent: an enabled bot receives; anything else keeps quiet.
        if (S.Enabled && S.EncryptedToken is not null)
        {
            StartReceiving();
        }
        return Task.CompletedTask;
    }

    public async Task<WebhookOutcome> ReceiveWebhook(string? secret, string updateJson)
    {
        if (S.EncryptedToken is null || S.WebhookSecret is null)
        {
            return WebhookOutcome.UnknownBot;
        }
        var (parsed, outcome) = TelegramUpdates.ParseWebhook(secret, webhooks.For(Id), updateJson);
        if (parsed is not { } update)
        {
            return outcome;
        }
        // Telegram delivers webhook updates in parallel and out of order, so an id below the highest seen is
        // not a duplicate: every update goes to its dialog, which recognises a redelivery by its external id.
        await Accept(update);
        if (update.Id >= S.Offset)
        {
            S.Offset = update.Id + 1;
        }
        Writes.Soon();
        return WebhookOutcome.Accepted;
    }

    private void StartReceiving()
    {
        if (_receiving is not null)
        {
            return;
        }
        _receiving = new CancellationTokenSource();
        _ = (_receiver ??= new TelegramReceiver(this, Id, _options, intake, time, logger)).Run(_receiving.Token);
    }

    private void StopReceiving()
    {
        _receiving?.Cancel();
        _receiving = null;
    }

    // The receiver's view of this grain: everything it reads or changes goes through here.
    int IReceiverHost.Offset => S.Offset;

    bool IReceiverHost.Enabled => S.Enabled;

    TelegramBotClient IReceiverHost.Poller => Bot.Poller;

    async Task IReceiverHost.RegisterWebhook(CancellationToken cancellationToken)
    {
        S.WebhookSecret = webhooks.For(Id); // derived, so the API checks deliveries without asking this grain
        var url = $"{_options.PublicUrl!.TrimEnd('/')}/telegram/{Id}";
        await Bot.SetWebhook(url, S.WebhookSecret, cancellationToken);
        ((IReceiverHost)this).Receiving();
        await Writes.Now();
    }

    Task IReceiverHost.Accept(Update update) => Accept(update);

    void IReceiverHost.Receiving()
    {
        if (S.Status != BotStatus.Running)
        {
            S.Status = BotStatus.Running;
            S.LastError = null;
            _ = Feed.Changed(S.AccountId, S.Status, null); // runs on the grain's scheduler; the feed logs its own failures
        }
    }

    async Task IReceiverHost.Acknowledge(int nextOffset, bool now)
    {
        S.Offset = nextOffset;
        if (now)
        {
            await Writes.Now();
        }
        else
        {
            Writes.Soon();
        }
    }

    void IReceiverHost.Failing(string error) => S.LastError = error;

    Task IReceiverHost.Stop(string reason) => Disable(BotStatus.Failed, reason);

    private async Task Accept(Update update)
    {
        if (await (_intake ??= new TelegramIntake(GrainFactory, Id)).Accept(update, S))
        {
            S.UpdatesIn++;
            M.Update();
        }
    }

    private async Task Disable(BotStatus status, string? error)
    {
        if (_options.PublicUrl is { Length: > 0 } && S.EncryptedToken is not null && status == BotStatus.Stopped
            && await Bot.DeleteWebhook() is { } failure)
        {
            BotLog.DeleteWebhookFailed(logger, Id, failure);
        }
        S.Enabled = false;
        S.Status = status;
        S.LastError = error;
        StopReceiving();
        await Writes.Now();
        await Feed.Changed(S.AccountId, status, error);
        if (await this.GetReminder(KeepAlive) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private bool Owned(Guid accountId) => S.EncryptedToken is not null && S.AccountId == accountId;

    private async Task<BotView> View()
    {
        var sent = await Outbox.Stats();
        return new BotView(Id, S.AccountId, S.AssistantId, S.Username, S.Status, S.LastError, S.UpdatesIn, sent.RepliesOut, sent.RateLimited, sent.QueueLength);
    }
}
