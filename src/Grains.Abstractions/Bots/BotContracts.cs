namespace ReplyX.Bots;

public enum BotStatus
{
    Starting,
    Running,
    Stopped,
    Failed,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Bots.BotView")]
public sealed record BotView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] Guid AssistantId,
    [property: Id(3)] string Username,
    [property: Id(4)] BotStatus Status,
    [property: Id(5)] string? LastError,
    [property: Id(6)] long UpdatesIn,
    [property: Id(7)] long RepliesOut,
    [property: Id(8)] long RateLimited,
    [property: Id(9)] int QueueLength);

[GenerateSerializer, Immutable, Alias("ReplyX.Bots.BotAdminView")]
public sealed record BotAdminView([property: Id(0)] BotView Bot, [property: Id(1)] string Silo);

public enum ConnectError
{
    None,
    TokenRejected,
    TelegramUnreachable,
    AlreadyConnected,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Bots.ConnectResult")]
public sealed record ConnectResult([property: Id(0)] BotView? Bot, [property: Id(1)] ConnectError Error, [property: Id(2)] string? Detail);

public enum WebhookOutcome
{
    Accepted,
    UnknownBot,
    WrongSecret,
    Malformed,
}

/// <summary>One outgoing dialog message for a Telegram chat, identified by (dialog, seq) so re-deliveries are recognised.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Bots.BotDelivery")]
public sealed record BotDelivery(
    [property: Id(0)] string ChatId,
    [property: Id(1)] string Text,
    [property: Id(2)] Guid DialogId,
    [property: Id(3)] long Seq,
    // [Id(4)] was the bot's "settled" bookkeeping of the dialog's questions; never reuse it.
    [property: Id(5)] Guid AccountId);

[GenerateSerializer, Immutable, Alias("ReplyX.Bots.OutboxStats")]
public sealed record OutboxStats(
    [property: Id(0)] int QueueLength,
    [property: Id(1)] long RepliesOut,
    [property: Id(2)] long RateLimited,
    [property: Id(3)] long Refused);

/// <summary>
/// A bot's outgoing side: the paced queue of replies and "typing…" hints. Dialogs hand it their messages and
/// nothing here calls a dialog back: what Telegram refused is recorded in the dialog store, where the dialog's
/// own recovery finds it. The bot grain configures it with the token.
/// </summary>
[Alias("ReplyX.Bots.IBotOutboxGrain")]
public interface IBotOutboxGrain : IGrainWithGuidKey
{
    /// <summary>The bot's account and encrypted token; a null token (bot deleted) drops the queue.</summary>
    [Alias("Configure")]
    Task Configure(Guid accountId, string? encryptedToken);

    /// <summary>Queues a message (idempotent by dialog and seq) for its chat.</summary>
    [Alias("Deliver")]
    Task Deliver(BotDelivery delivery);

    /// <summary>Shows "typing…" in the chat unless a reply for it is already queued.</summary>
    [Alias("Typing")]
    Task Typing(Guid accountId, string chatId);

    [Orleans.Concurrency.ReadOnly, Alias("Stats")]
    Task<OutboxStats> Stats();
}

/// <summary>
/// One Telegram bot: checks its token, long-polls for updates (acknowledging them only once the dialog has
/// stored them), and owns the outgoing queue, paced to Telegram's limits.
/// </summary>
[Alias("ReplyX.Bots.IBotGrain")]
public interface IBotGrain : IGrainWithGuidKey
{
    [Alias("Connect")]
    Task<ConnectResult> Connect(Guid accountId, Guid assistantId, string token);

    [Alias("Get")]
    Task<BotView?> Get(Guid accountId);

    /// <summary>For platform admins: the bot whatever its account, and the silo it runs on.</summary>
    [Orleans.Concurrency.ReadOnly, Alias("Inspect")]
    Task<BotAdminView?> Inspect();

    [Alias("Start")]
    Task<BotView?> Start(Guid accountId);

    [Alias("Stop")]
    Task<BotView?> Stop(Guid accountId);

    [Alias("Delete")]
    Task<bool> Delete(Guid accountId);

    /// <summary>
    /// A webhook delivery: true when the secret matches and the update is stored (the HTTP answer is 200
    /// only then, so Telegram redelivers anything that was not).
    /// </summary>
    [Alias("ReceiveWebhook")]
    Task<WebhookOutcome> ReceiveWebhook(string? secret, string updateJson);

    /// <summary>Replaces the token (e.g. after /revoke in @BotFather) without losing the bot's dialogs.</summary>
    [Alias("RotateToken")]
    Task<ConnectResult> RotateToken(Guid accountId, string token);
}

[Alias("ReplyX.Bots.IBotCatalogGrain")]
public interface IBotCatalogGrain : IGrainWithIntegerKey
{
    [Alias("List")]
    Task<IReadOnlyList<Guid>> List(Guid accountId);

    /// <summary>Every connected bot, ordered by id, after <paramref name="after"/> (keyset pages).</summary>
    [Alias("ListAll")]
    Task<IReadOnlyList<Guid>> ListAll(Guid? after, int limit);
}
