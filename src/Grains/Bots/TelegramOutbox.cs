namespace ReplyX.Bots;

/// <summary>One Telegram-sized part of a queued delivery; <see cref="Last"/> marks the part that completes it.</summary>
public sealed record OutgoingPart(BotDelivery Delivery, string Text, bool Last);

/// <summary>What the sender does next: send a part, or wait (<see cref="Wait"/> is <c>null</c> when nothing is queued).</summary>
public readonly record struct OutboxStep(OutgoingPart? Part, TimeSpan? Wait)
{
    public bool Idle => Part is null && Wait is null;
}

/// <summary>
/// A bot's outgoing queue without I/O: de-duplication by (dialog, seq), order within a chat, Telegram's
/// per-bot, per-chat and per-group pacing, 429 waits, chats that refuse messages, and "typing" hints that
/// never stand in a reply's way. Time is passed in, so pacing is tested on a fake clock.
/// </summary>
public sealed class TelegramOutbox(TelegramOptions options)
{
    private const int RecentCapacity = 256;

    private readonly LinkedList<OutgoingPart> _queue = new();
    private readonly HashSet<(Guid Dialog, long Seq)> _queued = [];
    private readonly HashSet<(Guid, long)> _recentSet = [];
    private readonly Queue<(Guid, long)> _recentOrder = new();
    private readonly Dictionary<string, int> _perChat = [];
    private readonly Dictionary<string, DateTimeOffset> _chatNext = [];
    private readonly Queue<DateTimeOffset> _sentLastSecond = new();
    private readonly HashSet<string> _typingInFlight = [];
    private DateTimeOffset _pausedUntil;

    public int Count => _queue.Count;

    /// <summary>Queues a delivery once: a re-delivery of one queued or just sent is ignored (false).</summary>
    public bool Enqueue(BotDelivery delivery)
    {
        var key = (delivery.DialogId, delivery.Seq);
        if (_recentSet.Contains(key) || !_queued.Add(key))
        {
            return false;
        }
        var parts = TelegramText.Split(delivery.Text);
        if (parts.Count == 0)
        {
            parts = [" "];
        }
        for (var i = 0; i < parts.Count; i++)
        {
            _queue.AddLast(new OutgoingPart(delivery, parts[i], i == parts.Count - 1));
        }
        _perChat[delivery.ChatId] = _perChat.GetValueOrDefault(delivery.ChatId) + parts.Count;
        return true;
    }

    /// <summary>
    /// Whether a "typing…" hint for the chat may go out now: never while a reply for it is queued (the reply
    /// is what the customer waits for), never two at once for one chat, and at most
    /// <see cref="TelegramOptions.MaxTypingInFlight"/> per bot. A refused hint is simply dropped.
    /// </summary>
    public bool TryStartTyping(string chatId)
    {
        if (_perChat.ContainsKey(chatId) || _typingInFlight.Count >= options.MaxTypingInFlight || !_typingInFlight.Add(chatId))
        {
            return false;
        }
        return true;
    }

    public void TypingDone(string chatId) => _typingInFlight.Remove(chatId);

    /// <summary>The first part that may be sent now, or how long to wait for one.</summary>
    public OutboxStep Next(DateTimeOffset now)
    {
        if (_queue.Count == 0)
        {
            return default;
        }
        while (_sentLastSecond.Count > 0 && now - _sentLastSecond.Peek() >= TimeSpan.FromSeconds(1))
        {
            _sentLastSecond.Dequeue();
        }
        var wait = _pausedUntil - now;
        if (_sentLastSecond.Count >= options.PerBotPerSecond)
        {
            wait = Max(wait, _sentLastSecond.Peek() + TimeSpan.FromSeconds(1) - now);
        }
        if (wait > TimeSpan.Zero)
        {
            return new OutboxStep(null, wait);
        }
        var earliest = DateTimeOffset.MaxValue;
        HashSet<string>? seen = null;
        for (var node = _queue.First; node is not null; node = node.Next)
        {
            var chat = node.Value.Delivery.ChatId;
            // Only the first queued part of each chat is eligible: order within a chat is kept.
            if (seen is not null && !seen.Add(chat))
            {
                continue;
            }
            var allowedAt = _chatNext.GetValueOrDefault(chat, DateTimeOffset.MinValue);
            if (allowedAt <= now)
            {
                return new OutboxStep(node.Value, null);
            }
            (seen ??= []).Add(chat);
            earliest = allowedAt < earliest ? allowedAt : earliest;
        }
        return new OutboxStep(null, Max(TimeSpan.FromMilliseconds(1), earliest - now));
    }

    /// <summary>
    /// A send call finished at <paramref name="finished"/> (accepted or not): the chat's and the bot's pacing
    /// count from then, since Telegram counts arrivals and this call arrived before it finished.
    /// </summary>
    public void Attempted(OutgoingPart part, DateTimeOffset finished)
    {
        var chat = part.Delivery.ChatId;
        _chatNext[chat] = finished + (IsGroup(chat) ? options.GroupChatInterval : options.PrivateChatInterval);
        _sentLastSecond.Enqueue(finished);
        if (_chatNext.Count > 4096)
        {
            foreach (var stale in _chatNext.Where(c => c.Value <= finished).Select(c => c.Key).ToArray())
            {
                _chatNext.Remove(stale);
            }
        }
    }

    /// <summary>Telegram accepted the part; true when it completed its delivery.</summary>
    public bool Sent(OutgoingPart part)
    {
        Remove(part);
        if (part.Last)
        {
            Settle(part.Delivery);
        }
        return part.Last;
    }

    /// <summary>Telegram asked the bot to wait (429 retry_after, or it is unreachable): nothing is sent until then.</summary>
    public void Pause(DateTimeOffset until) => _pausedUntil = until > _pausedUntil ? until : _pausedUntil;

    /// <summary>The chat refuses every message (the user blocked the bot): its queued deliveries are dropped and returned.</summary>
    public IReadOnlyList<BotDelivery> DropChat(string chatId)
    {
        var dropped = new List<BotDelivery>();
        for (var node = _queue.First; node is not null;)
        {
            var following = node.Next;
            if (node.Value.Delivery.ChatId == chatId)
            {
                Remove(node.Value, node);
                if (node.Value.Last)
                {
                    Settle(node.Value.Delivery);
                    dropped.Add(node.Value.Delivery);
                }
            }
            node = following;
        }
        return dropped;
    }

    /// <summary>Telegram refused one delivery for good (a permanent 400): its remaining parts are dropped, the chat's others go on.</summary>
    public void DropDelivery(BotDelivery delivery)
    {
        for (var node = _queue.First; node is not null;)
        {
            var following = node.Next;
            if (node.Value.Delivery == delivery)
            {
                Remove(node.Value, node);
            }
            node = following;
        }
        Settle(delivery);
    }

    /// <summary>A group became a supergroup (400 with migrate_to_chat_id): its queued parts go to the new chat id.</summary>
    public void MoveChat(string from, string to)
    {
        for (var node = _queue.First; node is not null; node = node.Next)
        {
            if (node.Value.Delivery.ChatId == from)
            {
                node.Value = node.Value with { Delivery = node.Value.Delivery with { ChatId = to } };
                _perChat[to] = _perChat.GetValueOrDefault(to) + 1;
            }
        }
        _perChat.Remove(from);
    }

    public void Clear()
    {
        _queue.Clear();
        _queued.Clear();
        _perChat.Clear();
        _typingInFlight.Clear();
    }

    private void Remove(OutgoingPart part, LinkedListNode<OutgoingPart>? node = null)
    {
        if (node is not null)
        {
            _queue.Remove(node);
        }
        else
        {
            _queue.Remove(part);
        }
        var chat = part.Delivery.ChatId;
        if (_perChat.TryGetValue(chat, out var left))
        {
            if (left <= 1)
            {
                _perChat.Remove(chat);
            }
            else
            {
                _perChat[chat] = left - 1;
            }
        }
    }

    private void Settle(BotDelivery delivery)
    {
        var key = (delivery.DialogId, delivery.Seq);
        _queued.Remove(key);
        if (_recentSet.Add(key))
        {
            _recentOrder.Enqueue(key);
            if (_recentOrder.Count > RecentCapacity)
            {
                _recentSet.Remove(_recentOrder.Dequeue());
            }
        }
    }

    private static bool IsGroup(string chatId) => chatId.StartsWith('-');

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
