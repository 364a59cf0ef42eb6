namespace ReplyX.Dialogs;

/// <summary>
/// A dialog's messages, stored strictly one after another. The answering loop runs interleaved with the
/// grain's requests, so a question and an answer may be appended at the same moment; without this order both
/// would take the same number while the store is awaited (PostgreSQL takes a millisecond, the memory store
/// none), and the second would be refused as "already stored". Each message is numbered, stored, kept in the
/// recent window and published before the next one is numbered.
/// </summary>
public sealed class DialogJournal(Guid dialogId, IDialogStore store, RecentMessages recent, Func<DialogState> state,
    Func<DialogMessage, Task> published, TimeProvider time)
{
    private readonly SemaphoreSlim _order = new(1, 1);

    /// <summary>
    /// Stores a customer's message, or recognises a redelivery: found in the recent window, or refused by the
    /// store's unique external id (older than the window, or a retry that raced this one).
    /// </summary>
    public async Task<(DialogMessage Message, bool Duplicate)> AppendCustomer(string text, string? externalId, bool awaitingAnswer)
    {
        if (recent.ByExternalId(externalId) is { } known)
        {
            return (known, true);
        }
        var clean = text.Contains('\0') ? text.Replace("\0", "", StringComparison.Ordinal) : text; // PostgreSQL refuses U+0000
        if (await Append(new DialogMessage(0, default, MessageAuthor.User, clean, externalId, false, null), new AppendFlags(AwaitingAnswer: awaitingAnswer)) is { } stored)
        {
            return (stored, false);
        }
        var first = externalId is null ? null : await store.FindByExternalId(dialogId, externalId);
        return first is not null ? (first, true) : throw new InvalidOperationException($"A message of dialog {dialogId} was refused by the store.");
    }

    /// <summary>
    /// Numbers <paramref name="message"/> (its <c>Seq</c> and <c>At</c> are replaced) and stores it; null when the
    /// store already holds that number or the message's external id.
    /// </summary>
    public async Task<DialogMessage?> Append(DialogMessage message, AppendFlags flags)
    {
        await _order.WaitAsync();
        try
        {
            var s = state();
            var numbered = message with { Seq = s.LastSeq + 1, At = DialogNames.Micro(time.GetUtcNow()) };
            if (!await store.Append(dialogId, numbered, flags))
            {
                return null;
            }
            DialogMetrics.Messages.WithLabels(DialogNames.Author(numbered.Author)).Inc();
            s.LastSeq = numbered.Seq;
            recent.Add(numbered);
            await published(numbered);
            return numbered;
        }
        finally
        {
            _order.Release();
        }
    }
}
