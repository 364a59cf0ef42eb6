using ReplyX.Ai;

namespace ReplyX.Tests.Ai;

public sealed class AiTokenEstimatorTests
{
    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("abcd", 1)]
    [InlineData("abcde", 2)]
    [InlineData("where is my order", 5)] // 17 characters
    [InlineData("где мой заказ", 4)] // 13 characters: an estimate by characters, whatever the script
    public void Text_is_characters_divided_by_four_rounded_up(string? text, int tokens) =>
        Assert.Equal(tokens, AiTokenEstimator.Text(text));

    [Fact]
    public void A_prompt_adds_an_overhead_per_message()
    {
        AiChatMessage[] messages = [new("system", "You are helpful."), new("user", "hi"), new("assistant", "")];

        // 16 characters -> 4, 2 -> 1, 0 -> 0, and 4 per message.
        Assert.Equal(4 + 1 + 0 + 3 * AiTokenEstimator.MessageOverhead, AiTokenEstimator.Prompt(messages));
        Assert.Equal(0, AiTokenEstimator.Prompt([]));
    }

    [Fact]
    public void A_completion_is_its_text_alone()
    {
        Assert.Equal(AiTokenEstimator.Text("Echo: where is my order"), AiTokenEstimator.Completion("Echo: where is my order"));
        Assert.Equal(0, AiTokenEstimator.Completion(""));
    }
}
