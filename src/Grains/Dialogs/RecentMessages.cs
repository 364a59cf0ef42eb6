namespace ReplyX.Dialogs;

/// <summary>
/// A dialog's newest messages, oldest first, bounded (the full history is in the store), with the customer
/// messages that got a fixed reply instead of an AI answer.
/// </summary>
public sealed class RecentMessages(int capacity)
{
    private readonly List<DialogMessage> _items = [];
    private readonly HashSet<long> _autoReplied = [];

    public IReadOnlyList<DialogMessage> Items => _items;

    public void Add(DialogMessage message)
    {
        _items.Add(message);
        if (_items.Count > capacity)
        {
            _items.RemoveRange(0, _items.Count - capacity);
        }
    }

    /// <summary>A redelivered message is nearly always this recent; older ones are refused by the store's unique external id.</summary>
    public DialogMessage? ByExternalId(string? externalId)
    {
        if (externalId is null)
        {
            return null;
        }
        foreach (var m in _items)
        {
            if (m.ExternalId == externalId)
            {
                return m;
            }
        }
        return null;
    }

    public void AutoReplied(long seq) => _autoReplied.Add(seq);

    public bool IsAutoReplied(long seq) => _autoReplied.Contains(seq);

    /// <summary>Whether the window still holds everything after <paramref name="seq"/>.</summary>
    public bool CoversAfter(long seq) => _items.Count > 0 && _items[0].Seq <= seq + 1;

    /// <summary>The oldest customer message after <paramref name="seq"/> that awaits an AI answer.</summary>
    public DialogMessage? FirstUnanswered(long seq)
    {
        foreach (var m in _items)
        {
            if (IsUnanswered(m, seq))
            {
                return m;
            }
        }
        return null;
    }

    public int CountUnanswered(long seq) => _items.Count(m => IsUnanswered(m, seq));

    /// <summary>The newest message that is not the customer's (answers go out in order, so all before it were handled).</summary>
    public DialogMessage? LastReply() => _items.LastOrDefault(m => m.Author != MessageAuthor.User);

    public bool IsUnanswered(DialogMessage m, long processedSeq) => m.Author == MessageAuthor.User && m.Seq > processedSeq && !_autoReplied.Contains(m.Seq);
}
