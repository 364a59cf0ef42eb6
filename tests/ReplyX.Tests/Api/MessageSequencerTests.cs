using ReplyX.Api.Dialogs;

namespace ReplyX.Tests.Api;

public sealed class MessageSequencerTests
{
    [Fact]
    public void Messages_in_order_are_sent_duplicates_skipped_and_a_jump_is_a_gap()
    {
        var s = new MessageSequencer(lastSent: 3);

        Assert.Equal(SequenceStep.Skip, s.Step(3));
        Assert.Equal(SequenceStep.Next, s.Step(4));
        Assert.Equal("4", s.Sent(4));
        Assert.Equal(SequenceStep.Gap, s.Step(6)); // 5 was dropped by the live stream
        Assert.Equal("6", s.Sent(6));
        Assert.Equal(SequenceStep.Skip, s.Step(5)); // and arrives late: already read from the store
    }

    [Fact]
    public void Other_events_carry_the_last_message_seq_so_a_resume_knows_what_the_client_has()
    {
        var s = new MessageSequencer(lastSent: 7);

        Assert.Equal("7.1", s.Other());
        Assert.Equal("7.2", s.Other());
        s.Sent(8);
        Assert.Equal("8.1", s.Other());

        Assert.Equal(8, MessageSequencer.Resume("8.1"));
        Assert.Equal(12, MessageSequencer.Resume("12"));
        Assert.Null(MessageSequencer.Resume("abc"));
        Assert.Null(MessageSequencer.Resume("-1"));
        Assert.Null(MessageSequencer.Resume(new string('9', 60)));
        Assert.Null(MessageSequencer.Resume(null));
    }
}
