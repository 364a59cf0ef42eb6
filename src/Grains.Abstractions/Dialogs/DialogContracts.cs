using Orleans.Concurrency;

namespace ReplyX.Dialogs;

public enum DialogMode
{
    Ai,
    Waiting,
    Operator,
    Closed,
}

public enum MessageAuthor
{
    User,
    Assistant,
    Operator,
    System,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogMessage")]
public sealed record DialogMessage(
    [property: Id(0)] long Seq,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] MessageAuthor Author,
    [property: Id(3)] string Text,
    [property: Id(4)] string? ExternalId,
    [property: Id(5)] bool Offline,
    [property: Id(6)] Guid? OperatorId,
    [property: Id(7)] IReadOnlyList<ReplyX.Knowledge.KnowledgeSource>? Sources = null);

[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogStart")]
public sealed record DialogStart(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] Guid AssistantId,
    [property: Id(2)] string Channel,
    [property: Id(3)] string? ExternalChat,
    [property: Id(4)] Guid? ChannelId = null,
    [property: Id(5)] string? Origin = null);

[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.PostResult")]
public sealed record PostResult([property: Id(0)] long Seq, [property: Id(1)] bool Duplicate);

[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogSnapshot")]
public sealed record DialogSnapshot(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] Guid AssistantId,
    [property: Id(3)] string Channel,
    [property: Id(4)] DialogMode Mode,
    [property: Id(5)] Guid? OperatorId,
    [property: Id(6)] IReadOnlyList<DialogMessage> Recent,
    [property: Id(7)] bool AiBusy,
    [property: Id(8)] long LastSeq,
    [property: Id(9)] long PendingForAi);

/// <summary>
/// What the <c>dialog</c> stream (every message, typing, status) and the <c>account</c> feed (opened, status,
/// assignment, preview) carry. Streams notify; the database is the truth.
/// </summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogEvent")]
public sealed record DialogEvent(
    [property: Id(0)] long EventSeq,
    [property: Id(1)] Guid DialogId,
    [property: Id(2)] Guid AccountId,
    [property: Id(3)] string Kind,
    [property: Id(4)] DialogMessage? Message,
    [property: Id(5)] DialogMode? Mode,
    [property: Id(6)] string? Partial,
    [property: Id(7)] Guid? OperatorId,
    [property: Id(8)] string? Detail = null,
    [property: Id(9)] ReplyX.Knowledge.DocumentProgress? Document = null);

public static class DialogEventKinds
{
    public const string Message = "message";
    public const string Typing = "typing";
    public const string Status = "dialog.status";
    public const string Assigned = "dialog.assigned";
    /// <summary>Account feed: a new dialog.</summary>
    public const string Opened = "dialog.opened";
    /// <summary>Account feed: the dialog's newest message (coalesced, at most one per dialog per interval).</summary>
    public const string Preview = "dialog.preview";
    /// <summary>Dialog stream, staff only: a private note (<see cref="DialogEvent.Message"/> holds its text, author and time).</summary>
    public const string Note = "note";
    /// <summary>Account feed and admin feed: a bot's status changed (<see cref="DialogEvent.DialogId"/> is the bot's id,
    /// <see cref="DialogEvent.Partial"/> the status, <see cref="DialogEvent.Detail"/> the error).</summary>
    public const string BotStatus = "bot.status";
    /// <summary>Account feed: a document's processing moved (<see cref="DialogEvent.DialogId"/> is the document's id, <see cref="DialogEvent.Document"/> the progress).</summary>
    public const string DocumentStatus = "document.status";
    /// <summary>Account feed: the balance fell below the account's low-balance threshold (<see cref="DialogEvent.Partial"/> is the balance in roubles).</summary>
    public const string BalanceLow = "balance.low";
}

/// <summary>
/// One conversation on one channel. Messages are stored before they are acknowledged; user messages are
/// answered by the AI strictly in order, one call at a time, and an answer is kept only if the dialog is
/// still the AI's when it arrives.
/// </summary>
[Alias("ReplyX.Dialogs.IDialogGrain")]
public interface IDialogGrain : IGrainWithGuidKey
{
    /// <summary>Creates the dialog, or returns it when it exists (idempotent).</summary>
    [Alias("Open")]
    Task<DialogSnapshot> Open(DialogStart start);

    /// <summary>Stores a user message (idempotent by <paramref name="externalId"/>, e.g. a Telegram update id).</summary>
    [Alias("PostUserMessage")]
    Task<PostResult> PostUserMessage(string text, string? externalId);

    /// <summary>
    /// Stores a user message that gets a fixed reply instead of an AI answer (a bot's /start greeting, a
    /// polite "text only" note for a photo), idempotent by <paramref name="externalId"/>.
    /// </summary>
    [Alias("PostAutoReplied")]
    Task<PostResult> PostAutoReplied(string text, string? reply, string? externalId);

    // Every call an owner or operator can reach carries the caller's account and answers null for a dialog
    // of another account (or one never opened): tenant isolation is the grain's, not only the API's.

    /// <summary>
    /// The operator takes the dialog. The AI call runs outside any request, so this is not held up by an
    /// answer being generated: that call is cancelled, and an answer arriving anyway is dropped.
    /// </summary>
    [Alias("Takeover")]
    Task<DialogSnapshot?> Takeover(Guid accountId, Guid operatorId);

    [Alias("Release")]
    Task<DialogSnapshot?> Release(Guid accountId, Guid operatorId);

    [Alias("PostOperatorMessage")]
    Task<PostResult?> PostOperatorMessage(Guid accountId, Guid operatorId, string text, string? externalId);

    [Alias("Close")]
    Task<DialogSnapshot?> Close(Guid accountId);

    /// <summary>The customer asks for a person (the widget's button): the dialog waits for an operator. Idempotent.</summary>
    [Alias("RequestHuman")]
    Task<DialogSnapshot?> RequestHuman(Guid accountId);

    [ReadOnly, Alias("Get")]
    Task<DialogSnapshot?> Get(Guid accountId);

    /// <summary>
    /// A live view (operator console, widget) follows this dialog: its stream carries every message, typing
    /// and status for the next <see cref="DialogWatch.Lease"/>; viewers renew before it ends. An unwatched
    /// dialog publishes only dialog-level changes on the account feed, so nobody pays for events nobody reads.
    /// False for another account's dialog.
    /// </summary>
    [Alias("Watch")]
    Task<bool> Watch(Guid accountId);

    /// <summary>
    /// Called by the recovery sweep for a dialog with an old flag in the store: answers what is unanswered,
    /// hands undelivered messages to its channel again and records what the channel refused.
    /// </summary>
    [Alias("Resume")]
    Task Resume();
}

public static class DialogWatch
{
    /// <summary>How long one <see cref="IDialogGrain.Watch"/> keeps the dialog's stream live.</summary>
    // Long enough that renewing it is rare next to the stream's own traffic (10,000 open streams renew ~170
    // times a second), short enough that a node that died stops costing its dialogs' publishing soon.
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(3);
}

/// <summary>Sweeps the store for dialogs left unanswered or undelivered (their silo died) and wakes them.</summary>
[Alias("ReplyX.Dialogs.IDialogRecoveryGrain")]
public interface IDialogRecoveryGrain : IGrainWithIntegerKey
{
    /// <summary>Registers the sweep's reminder (idempotent; every silo calls it at start).</summary>
    [Alias("Start")]
    Task Start();

    /// <summary>One sweep now; returns the number of dialogs woken.</summary>
    [Alias("Sweep")]
    Task<int> Sweep();
}

/// <summary>Dialog ids for channels: one dialog per (channel, bot, chat), so redelivered updates land in the same grain.</summary>
public static class DialogKeys
{
    public static Guid For(string channel, Guid channelId, string chatId)
    {
        var bytes = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"replyx-dialog:{channel}:{channelId:N}:{chatId}"));
        return new Guid(bytes.AsSpan(0, 16));
    }
}
