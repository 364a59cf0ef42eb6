using ReplyX.Ai;
using ReplyX.Assistants;

namespace ReplyX.Dialogs;

/// <summary>What the model is sent for one question: the assistant's instructions, then as much recent history as fits.</summary>
public static class PromptBuilder
{
    /// <summary>The assistant's instructions, the handoff marker, and the passages of its documents when retrieval found any.</summary>
    public static string SystemPrompt(AssistantSettings settings, string? knowledge = null) =>
        settings.SystemPrompt + "\n\nIf the customer asks for a human, or you cannot help, reply with exactly " + HandoffPolicy.Marker + "."
        + (knowledge is null ? "" : "\n\n" + knowledge);

    /// <summary>The system prompt, then the newest customer and assistant/operator messages up to the question within the budget.</summary>
    public static IReadOnlyList<AiChatMessage> Build(AssistantSettings settings, IEnumerable<DialogMessage> recent, long questionSeq, int tokenBudget, string? knowledge = null) =>
        Trim(SystemPrompt(settings, knowledge), recent.Where(m => m.Seq <= questionSeq && m.Author != MessageAuthor.System).ToArray(), tokenBudget);

    /// <summary>Newest messages first until the budget is spent; the newest one (the question) is always kept.</summary>
    public static IReadOnlyList<AiChatMessage> Trim(string system, IReadOnlyList<DialogMessage> messages, int budget)
    {
        var remaining = budget - Tokens(system);
        var picked = new List<AiChatMessage>();
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            var cost = Tokens(m.Text);
            if (cost > remaining && picked.Count > 0)
            {
                break;
            }
            remaining -= cost;
            picked.Add(new AiChatMessage(m.Author == MessageAuthor.User ? "user" : "assistant", m.Text));
        }
        picked.Add(new AiChatMessage("system", system));
        picked.Reverse();
        return picked;
    }

    /// <summary>A conservative estimate (about two characters per token, Russian included) so the budget holds.</summary>
    public static int Tokens(string text) => text.Length / 2 + 4;
}
