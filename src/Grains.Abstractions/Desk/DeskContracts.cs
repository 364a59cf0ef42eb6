using Orleans.Concurrency;

namespace ReplyX.Desk;

[GenerateSerializer, Immutable, Alias("ReplyX.Desk.OperatorPresence")]
public sealed record OperatorPresence(
    [property: Id(0)] Guid OperatorId,
    [property: Id(1)] int Dialogs,
    [property: Id(2)] int Limit,
    [property: Id(3)] DateTimeOffset OnlineSince);

[GenerateSerializer, Immutable, Alias("ReplyX.Desk.QueuedDialog")]
public sealed record QueuedDialog(
    [property: Id(0)] Guid DialogId,
    [property: Id(1)] DateTimeOffset WaitingSince,
    [property: Id(2)] Guid? OfferedTo,
    [property: Id(3)] DateTimeOffset? OfferedAt);

[GenerateSerializer, Immutable, Alias("ReplyX.Desk.DeskView")]
public sealed record DeskView(
    [property: Id(0)] IReadOnlyList<QueuedDialog> Queue,
    [property: Id(1)] IReadOnlyList<OperatorPresence> Online);

/// <summary>
/// One account's operator desk: who is online (an open operator event stream), how busy each one is, and
/// the queue of dialogs waiting for a person, each offered to the least busy online operator below their
/// limit and offered to another one when nobody took it in time. Dialogs tell it about their changes; it
/// never calls a dialog (an operator accepts an offer by taking the dialog over), so no call cycle exists.
/// After a restart it rebuilds the queue and the loads from the dialog store.
/// </summary>
[Alias("ReplyX.Desk.IOperatorDeskGrain")]
public interface IOperatorDeskGrain : IGrainWithGuidKey
{
    /// <summary>An operator's event stream opened (or renewed its presence); <paramref name="connection"/> names the stream.</summary>
    [Alias("Online")]
    Task Online(Guid operatorId, Guid connection);

    [Alias("Offline")]
    Task Offline(Guid operatorId, Guid connection);

    /// <summary>
    /// A dialog of this account changed hands (waiting, taken by an operator, back to the AI, closed). Awaited
    /// by the dialog, so one dialog's changes arrive in order.
    /// </summary>
    [Alias("DialogChanged")]
    Task DialogChanged(Guid dialogId, ReplyX.Dialogs.DialogMode mode, Guid? operatorId);

    [ReadOnly, Alias("View")]
    Task<DeskView> View();
}

public static class DeskEventKinds
{
    /// <summary>Account feed: a waiting dialog is offered to one operator.</summary>
    public const string Offered = "dialog.offered";
}

[GenerateSerializer, Immutable, Alias("ReplyX.Desk.CannedResponse")]
public sealed record CannedResponse([property: Id(0)] Guid Id, [property: Id(1)] string Shortcut, [property: Id(2)] string Text);

public enum CannedChange
{
    Done,
    Missing,
    ShortcutTaken,
    Full,
}

/// <summary>One account's canned responses (the desk's <c>/shortcut</c> replies).</summary>
[Alias("ReplyX.Desk.ICannedResponsesGrain")]
public interface ICannedResponsesGrain : IGrainWithGuidKey
{
    public const int MaxPerAccount = 500;

    [ReadOnly, Alias("List")]
    Task<IReadOnlyList<CannedResponse>> List();

    [Alias("Add")]
    Task<(CannedChange Result, CannedResponse? Added)> Add(string shortcut, string text);

    [Alias("Change")]
    Task<(CannedChange Result, CannedResponse? Changed)> Change(Guid id, string? shortcut, string? text);

    [Alias("Remove")]
    Task<bool> Remove(Guid id);
}
