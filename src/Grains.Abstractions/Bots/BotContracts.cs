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

[GenerateSerializer, Immutable, Alias("ReplyX.Bots.BotDelivery")]
public sealed record BotDelivery(
    [property: Id(0)] string ChatId,
    [property: Id(1)] string Text,
    [property: Id(2)] Guid DialogId,
    [property: Id(3)] long Seq,
    [property: Id(4)] bool Settled = false);

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

    /// <summary>Shows "typing…" in the chat while an answer is being generated.</summary>
    // Interleaves: it only starts a background call and awaits nothing, and a dialog calls it while the bot
    // may be inside ReceiveWebhook waiting for that dialog (bot → dialog → bot would otherwise deadlock).
    [Orleans.Concurrency.AlwaysInterleave, Alias("Typing")]
    Task Typing(string chatId);

    /// <summary>Replaces the token (e.g. after /revoke in @BotFather) without losing the bot's dialogs.</summary>
    [Alias("RotateToken")]
    Task<ConnectResult> RotateToken(Guid accountId, string token);

    /// <summary>Queues a dialog's outgoing message for its Telegram chat.</summary>
    // Interleaves for the same reason as Typing: it only appends to the outbox (no await) and starts the
    // background sender.
    [Orleans.Concurrency.AlwaysInterleave, Alias("Deliver")]
    Task Deliver(BotDelivery delivery);
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
