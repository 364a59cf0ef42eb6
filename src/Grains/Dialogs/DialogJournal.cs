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
