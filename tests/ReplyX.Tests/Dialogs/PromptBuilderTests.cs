using ReplyX.Assistants;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Dialogs;

public sealed class PromptBuilderTests
{
    [Fact]
    public void The_prompt_is_the_instructions_then_the_conversation_up_to_the_question_without_system_notes()
    {
        var settings = AssistantDefaults.Settings with { SystemPrompt = "Ты помощник магазина." };
        DialogMessage[] recent =
        [
            new(1, DateTimeOffset.UnixEpoch, MessageAuthor.User, "Привет", null, false, null),
            new(2, DateTimeOffset.UnixEpoch, MessageAuthor.Assistant, "Здравствуйте!", null, false, null),
            new(3, DateTimeOffset.UnixEpoch, MessageAuthor.System, "Соединяю вас с оператором.", null, false, null),
            new(4, DateTimeOffset.UnixEpoch, MessageAuthor.Operator, "Я оператор.", null, false, Guid.NewGuid()),
            new(5, DateTimeOffset.UnixEpoch, MessageAuthor.User, "Где заказ?", null, false, null),
            new(6, DateTimeOffset.UnixEpoch, MessageAuthor.User, "Ещё вопрос", null, false, null),
        ];

        var prompt = PromptBuilder.Build(settings, recent, questionSeq: 5, tokenBudget: 3000);

        Assert.Equal(["system", "user", "assistant", "assistant", "user"], prompt.Select(m => m.Role));
        Assert.StartsWith("Ты помощник магазина.", prompt[0].Text);
        Assert.Contains(HandoffPolicy.Marker, prompt[0].Text);
        Assert.Equal("Где заказ?", prompt[^1].Text);
    }

    [Fact]
    public void A_question_longer_than_the_budget_is_still_sent()
    {
        var question = new DialogMessage(1, DateTimeOffset.UnixEpoch, MessageAuthor.User, new string('я', 10_000), null, false, null);
        var prompt = PromptBuilder.Trim("system", [question], budget: 100);
        Assert.Equal(["system", "user"], prompt.Select(m => m.Role));
        Assert.Equal(question.Text, prompt[^1].Text);
    }
}
