using Orleans.Concurrency;

namespace ReplyX.Dialogs;

/// <summary>What an owner's or operator's dialog list asks for (API.md, Dialogs and operators).</summary>
/// <param name="Unanswered">Only dialogs whose newest message is the customer's.</param>
/// <param name="Text">Dialogs with a message containing this text (case-insensitive).</param>
/// <param name="Cursor">The <see cref="DialogPage.NextCursor"/> of the previous page.</param>
[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogQuery")]
public sealed record DialogQuery(
    [property: Id(0)] DialogMode? Mode = null,
    [property: Id(1)] Guid? AssistantId = null,
    [property: Id(2)] string? Channel = null,
    [property: Id(3)] Guid? OperatorId = null,
    [property: Id(4)] bool Unanswered = false,
    [property: Id(5)] string? Text = null,
    [property: Id(6)] DialogCursor? Cursor = null,
    [property: Id(7)] int Limit = 50);

public static class DialogLists
{
    /// <summary>The largest page a list or transcript returns.</summary>
    public const int MaxLimit = 200;
}

/// <summary>Keyset position in a dialog list: newest change first, then id.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogCursor")]
public sealed record DialogCursor([property: Id(0)] DateTimeOffset UpdatedAt, [property: Id(1)] Guid Id);

[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogRating")]
public sealed record DialogRating([property: Id(0)] int Score, [property: Id(1)] string? Comment, [property: Id(2)] DateTimeOffset At);

/// <summary>A dialog as lists show it. <see cref="UpdatedAt"/> moves with status and assignment, not with every message.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogSummary")]
public sealed record DialogSummary(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] Guid AssistantId,
    [property: Id(3)] string Channel,
    [property: Id(4)] DialogMode Mode,
    [property: Id(5)] Guid? OperatorId,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset UpdatedAt,
    [property: Id(8)] DialogMessage? LastMessage,
    [property: Id(9)] DialogRating? Rating,
    [property: Id(10)] string? Origin);

[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogPage")]
public sealed record DialogPage([property: Id(0)] IReadOnlyList<DialogSummary> Items, [property: Id(1)] DialogCursor? NextCursor);

/// <summary>An operator's private note on a dialog: never sent to the customer, never shown to the model.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.DialogNote")]
public sealed record DialogNote([property: Id(0)] Guid Id, [property: Id(1)] Guid AuthorId, [property: Id(2)] string Text, [property: Id(3)] DateTimeOffset At);

/// <summary>One page of a transcript, oldest first; <see cref="OlderBefore"/> asks for the page before it.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Dialogs.Transcript")]
public sealed record Transcript(
    [property: Id(0)] DialogSummary Dialog,
    [property: Id(1)] IReadOnlyList<DialogMessage> Messages,
    [property: Id(2)] long? OlderBefore,
    [property: Id(3)] IReadOnlyList<DialogNote> Notes);

/// <summary>
/// Reads over the dialog store for lists and transcripts. Every call names the caller's account and the store
/// filters by it: another account's dialog is simply not found.
/// </summary>
[Alias("ReplyX.Dialogs.IDialogQueryGrain")]
public interface IDialogQueryGrain : IGrainWithIntegerKey
{
    [ReadOnly, Alias("List")]
    Task<DialogPage> List(Guid accountId, DialogQuery query);

    /// <summary>The dialog as lists show it; null for another account's dialog.</summary>
    [ReadOnly, Alias("Find")]
    Task<DialogSummary?> Find(Guid accountId, Guid dialogId);

    /// <summary>The newest <paramref name="limit"/> messages before <paramref name="beforeSeq"/> (all when null); null for another account's dialog.</summary>
    [ReadOnly, Alias("Transcript")]
    Task<Transcript?> Transcript(Guid accountId, Guid dialogId, long? beforeSeq, int limit);

    /// <summary>The customer's rating of a closed dialog (the last one counts); false when the dialog is not closed.</summary>
    [Alias("Rate")]
    Task<bool> Rate(Guid accountId, Guid dialogId, DialogRating rating);

    /// <summary>Adds a private note and announces it on the dialog's stream (staff streams only); null for another account's dialog.</summary>
    [Alias("AddNote")]
    Task<DialogNote?> AddNote(Guid accountId, Guid dialogId, Guid authorId, string text);

    /// <summary>Messages after <paramref name="afterSeq"/>, oldest first (SSE catch-up); null for another account's dialog.</summary>
    [ReadOnly, Alias("After")]
    Task<IReadOnlyList<DialogMessage>?> After(Guid accountId, Guid dialogId, long afterSeq, int limit);
}
