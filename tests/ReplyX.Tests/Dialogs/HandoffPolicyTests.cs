using ReplyX.Assistants;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Dialogs;

public sealed class HandoffPolicyTests
{
    private static AssistantSettings Settings(int maxAiTurns, string language = "ru") =>
        AssistantDefaults.Settings with { Language = language, Handoff = HandoffRules.Default with { MaxAiTurns = maxAiTurns } };

    private static DialogMessage M(long seq, MessageAuthor author, string text, bool offline = false) => new(seq, DateTimeOffset.UnixEpoch, author, text, null, offline, null);

    [Theory]
    [InlineData("Позовите оператора!", true)]
    [InlineData("an OPERATOR please", true)]
    [InlineData("нужен живой человек", true)]
    [InlineData("кооператив", false)]
    [InlineData("humanity", true)] // a keyword at a word's start counts: stems match inflected Russian forms
    public void Keywords_match_at_the_start_of_a_word_in_any_case(string text, bool matches) =>
        Assert.Equal(matches, HandoffPolicy.MatchesKeyword(text, HandoffRules.Default.Keywords));

    [Fact]
    public void The_models_marker_asks_for_a_human_and_is_never_sent_to_the_customer()
    {
        var decision = HandoffPolicy.Decide("Сейчас позову коллегу. [HANDOFF]", Settings(0), 1, false);
        Assert.True(decision.WantsHuman);
        Assert.Equal("Сейчас позову коллегу.", decision.Text);
    }

    [Fact]
    public void The_offer_comes_once_at_the_configured_turn_in_the_assistants_language()
    {
        Assert.False(HandoffPolicy.Decide("a", Settings(2), 1, false).OffersHuman);
        var offered = HandoffPolicy.Decide("b", Settings(2, "en"), 2, false);
        Assert.True(offered.OffersHuman);
        Assert.EndsWith("write \"operator\".", offered.Text);
        Assert.False(HandoffPolicy.Decide("c", Settings(2), 3, true).OffersHuman);
        Assert.False(HandoffPolicy.Decide("d", Settings(0), 9, false).OffersHuman);
    }

    [Fact]
    public void Turns_and_the_offer_are_rebuilt_from_the_history_since_the_last_operator_or_system_message()
    {
        var settings = Settings(2);
        var offer = ReplyTexts.OfferHuman(settings);
        IReadOnlyList<DialogMessage> history =
        [
            M(1, MessageAuthor.User, "q"), M(2, MessageAuthor.Assistant, "a"), M(3, MessageAuthor.Operator, "op"),
            M(4, MessageAuthor.User, "q"), M(5, MessageAuthor.Assistant, "a1"), M(6, MessageAuthor.User, "q"),
            M(7, MessageAuthor.Assistant, "a2\n\n" + offer), M(8, MessageAuthor.User, "q"), M(9, MessageAuthor.Assistant, "fallback", offline: true),
        ];
        Assert.Equal((2, true), HandoffPolicy.Rebuild(history, settings));
        Assert.Equal((0, false), HandoffPolicy.Rebuild([], settings));
    }
}
