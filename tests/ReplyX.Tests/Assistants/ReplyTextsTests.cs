using ReplyX.Assistants;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Assistants;

public sealed class ReplyTextsTests
{
    private static readonly AssistantSettings Russian = AssistantDefaults.Settings;
    private static readonly AssistantSettings English = AssistantDefaults.Settings with { Language = "en-GB" };

    [Fact]
    public void Every_text_follows_the_assistants_language_and_russian_is_the_default()
    {
        Func<AssistantSettings?, string>[] texts =
        [
            ReplyTexts.Greeting, ReplyTexts.TextOnly, ReplyTexts.Offline, ReplyTexts.OfferHuman, ReplyTexts.ConnectingOperator,
            s => ReplyTexts.CustomerUnreachable(s, DeliveryRefusals.Blocked), s => ReplyTexts.CustomerUnreachable(s, DeliveryRefusals.Rejected + "chat not found"),
        ];
        foreach (var text in texts)
        {
            Assert.Matches("[а-яё]", text(Russian));
            Assert.Matches("[а-яё]", text(null));
            Assert.DoesNotMatch("[а-яё]", text(English));
        }
    }

    [Fact]
    public void An_assistants_own_greeting_and_fallback_win_over_the_defaults()
    {
        var own = English with { FallbackText = "Back at 9.", Widget = WidgetSettings.Default with { Greeting = "Hi, I'm Ann." } };
        Assert.Equal("Back at 9.", ReplyTexts.Offline(own));
        Assert.Equal("Hi, I'm Ann.", ReplyTexts.Greeting(own));
    }
}
