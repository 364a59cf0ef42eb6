namespace ReplyX.Ai;

/// <summary>
/// An estimate of token counts for when a provider does not report its usage (no final usage chunk in a
/// stream, no <c>usage</c> in an answer, or a stream cut before it). It is an estimate, not a tokenizer:
/// about four characters per token, rounded up, plus a fixed overhead per chat message for the role and the
/// delimiters the chat format adds. English text comes out close; text in other scripts (Cyrillic for one)
/// tokenizes denser and is underestimated. Results built from it are flagged as estimated
/// (<see cref="ProviderResult.Estimated"/>, <see cref="AiAnswer.TokensEstimated"/>, <see cref="AiUsageRecord.Estimated"/>).
/// </summary>
public static class AiTokenEstimator
{
    public const int CharactersPerToken = 4;

    /// <summary>Tokens a chat message costs besides its text (role, separators).</summary>
    public const int MessageOverhead = 4;

    /// <summary>Tokens of a piece of text: its length in characters divided by four, rounded up (0 for none).</summary>
    public static int Text(string? text) => string.IsNullOrEmpty(text) ? 0 : (text.Length + CharactersPerToken - 1) / CharactersPerToken;

    /// <summary>Tokens of a prompt: every message's text plus <see cref="MessageOverhead"/> per message.</summary>
    public static int Prompt(IReadOnlyList<AiChatMessage> messages) => messages.Sum(m => Text(m.Text) + MessageOverhead);

    /// <summary>Tokens of a completion: its text alone.</summary>
    public static int Completion(string? text) => Text(text);
}
