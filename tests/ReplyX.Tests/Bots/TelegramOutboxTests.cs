using Microsoft.Extensions.Time.Testing;
using ReplyX.Bots;

namespace ReplyX.Tests.Bots;

/// <summary>The outbox's pacing and priorities on a fake clock: no Telegram, no grain.</summary>
public sealed class TelegramOutboxTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TelegramOptions _options = new() { PrivateChatInterval = TimeSpan.FromSeconds(1), GroupChatInterval = TimeSpan.FromSeconds(3), PerBotPerSecond = 30, MaxTypingInFlight = 2 };
    private readonly Guid _dialog = Guid.NewGuid();
    private readonly Guid _account = Guid.NewGuid();

    private BotDelivery Delivery(string chat, long seq, string? text = null) => new(chat, text ?? $"reply {seq}", _dialog, seq, _account);

    /// <summary>Sends whatever is due now, as the grain's loop would, and returns the texts.</summary>
    private List<string> Drain(TelegramOutbox outbox)
    {
        var sent = new List<string>();
        while (outbox.Next(_clock.GetUtcNow()).Part is { } part)
        {
            outbox.Sent(part);
            outbox.Attempted(part, _clock.GetUtcNow());
            sent.Add(part.Text);
        }
        return sent;
    }

    [Fact]
    public void Replies_to_one_chat_keep_their_order_and_are_spaced_while_other_chats_go_on()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("1", 1));
        outbox.Enqueue(Delivery("1", 2));
        outbox.Enqueue(Delivery("2", 3));

        Assert.Equal(["reply 1", "reply 3"], Drain(outbox));
        var wait = outbox.Next(_clock.GetUtcNow());
        Assert.Null(wait.Part);
        Assert.Equal(TimeSpan.FromSeconds(1), wait.Wait);

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(Drain(outbox));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["reply 2"], Drain(outbox));
        Assert.True(outbox.Next(_clock.GetUtcNow()).Idle);
    }

    [Fact]
    public void A_group_waits_three_seconds_between_replies()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("-100", 1));
        outbox.Enqueue(Delivery("-100", 2));
        Assert.Single(Drain(outbox));
        _clock.Advance(TimeSpan.FromSeconds(2.9));
        Assert.Empty(Drain(outbox));
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Single(Drain(outbox));
    }

    [Fact]
    public void A_bot_sends_at_most_its_per_second_limit()
    {
        var outbox = new TelegramOutbox(_options);
        for (var i = 0; i < 45; i++)
        {
            outbox.Enqueue(Delivery(i.ToString(), i));
        }
        Assert.Equal(30, Drain(outbox).Count);
        Assert.Equal(TimeSpan.FromSeconds(1), outbox.Next(_clock.GetUtcNow()).Wait);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(15, Drain(outbox).Count);
    }

    [Fact]
    public void A_429_pauses_every_chat_until_retry_after()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("1", 1));
        outbox.Enqueue(Delivery("2", 2));
        outbox.Pause(_clock.GetUtcNow() + TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), outbox.Next(_clock.GetUtcNow()).Wait);
        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(["reply 1", "reply 2"], Drain(outbox));
    }

    [Fact]
    public void A_delivery_is_queued_once_even_when_handed_over_again_after_it_was_sent()
    {
        var outbox = new TelegramOutbox(_options);
        Assert.True(outbox.Enqueue(Delivery("1", 1)));
        Assert.False(outbox.Enqueue(Delivery("1", 1)));
        Drain(outbox);
        Assert.False(outbox.Enqueue(Delivery("1", 1))); // a re-delivery racing the send
        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public void A_long_answer_goes_out_in_parts_and_completes_with_the_last()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("1", 1, string.Join("\n\n", Enumerable.Repeat(new string('я', 3000), 3))));
        Assert.Equal(3, outbox.Count);
        var completed = new List<bool>();
        for (var i = 0; i < 3; i++)
        {
            var part = outbox.Next(_clock.GetUtcNow()).Part!;
            completed.Add(outbox.Sent(part));
            outbox.Attempted(part, _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.Equal([false, false, true], completed);
    }

    [Fact]
    public void A_chat_that_blocked_the_bot_loses_its_queue_and_the_others_keep_theirs()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("1", 1));
        outbox.Enqueue(Delivery("1", 2));
        outbox.Enqueue(Delivery("2", 3));

        var dropped = outbox.DropChat("1");

        Assert.Equal([1L, 2L], dropped.Select(d => d.Seq));
        Assert.Equal(["reply 3"], Drain(outbox));
    }

    [Fact]
    public void A_delivery_refused_for_good_is_dropped_and_the_chats_next_one_goes_out()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("1", 1, string.Join("\n\n", Enumerable.Repeat(new string('a', 3000), 2))));
        outbox.Enqueue(Delivery("1", 2));
        var first = outbox.Next(_clock.GetUtcNow()).Part!;

        outbox.DropDelivery(first.Delivery);
        outbox.Attempted(first, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["reply 2"], Drain(outbox));
    }

    [Fact]
    public void A_group_moved_to_a_supergroup_keeps_its_queue_under_the_new_id()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("-5", 1));
        outbox.Enqueue(Delivery("-5", 2));
        outbox.MoveChat("-5", "-1005");
        var part = outbox.Next(_clock.GetUtcNow()).Part!;
        Assert.Equal("-1005", part.Delivery.ChatId);
        Assert.True(outbox.TryStartTyping("-5")); // the old id has nothing queued any more
        Assert.False(outbox.TryStartTyping("-1005"));
    }

    [Fact]
    public void Typing_is_refused_while_a_reply_for_the_chat_is_queued_or_one_is_in_flight()
    {
        var outbox = new TelegramOutbox(_options);
        outbox.Enqueue(Delivery("1", 1));

        Assert.False(outbox.TryStartTyping("1")); // the reply is what the customer waits for
        Assert.True(outbox.TryStartTyping("2"));
        Assert.False(outbox.TryStartTyping("2")); // one hint per chat at a time
        Assert.True(outbox.TryStartTyping("3"));
        Assert.False(outbox.TryStartTyping("4")); // at most MaxTypingInFlight per bot
        outbox.TypingDone("2");
        Assert.True(outbox.TryStartTyping("4"));

        Drain(outbox);
        Assert.True(outbox.TryStartTyping("1") || outbox.Count == 0);
    }

    [Fact]
    public void Typing_hints_never_take_a_reply_slot_or_delay_it()
    {
        var outbox = new TelegramOutbox(new TelegramOptions { MaxTypingInFlight = 100 });
        for (var chat = 0; chat < 50; chat++)
        {
            outbox.TryStartTyping(chat.ToString());
        }
        outbox.Enqueue(Delivery("7", 1));
        var step = outbox.Next(_clock.GetUtcNow());
        Assert.Equal("reply 1", step.Part?.Text);
    }
}
