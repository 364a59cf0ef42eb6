using System.Text.RegularExpressions;
using ReplyX.Assistants;

namespace ReplyX.Dialogs;

/// <summary>What the AI's answer means for the dialog.</summary>
/// <param name="Text">What the customer is sent (may be empty when the model only asked for a human).</param>
/// <param name="WantsHuman">The model asked to hand the dialog to an operator.</param>
/// <param name="OffersHuman">The "write 'operator'" offer was appended to <paramref name="Text"/>.</param>
public readonly record struct AnswerDecision(string Text, bool WantsHuman, bool OffersHuman);

/// <summary>When a dialog goes from the AI to an operator: the customer's keywords, the model's marker, and the offer after N turns.</summary>
public static class HandoffPolicy
{
    public const string Marker = "[HANDOFF]";

    /// <summary>A keyword at the start of a word, any case ("Оператор!", "an operator please"), never inside one.</summary>
    public static bool MatchesKeyword(string text, IReadOnlyList<string> keywords) =>
        keywords.Any(k => k.Length > 0 && Regex.IsMatch(text, @"(?<![\p{L}\p{N}])" + Regex.Escape(k),
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)));

    /// <summary>The answer to send, given the AI turns so far in this AI stretch (this one included) and whether the offer was made.</summary>
    public static AnswerDecision Decide(string answer, AssistantSettings settings, int aiTurns, bool offeredHuman)
    {
        var wantsHuman = answer.Contains(Marker, StringComparison.Ordinal);
        var text = answer.Replace(Marker, "", StringComparison.Ordinal).Trim();
        var max = settings.Handoff.MaxAiTurns;
        var offer = !wantsHuman && max > 0 && aiTurns >= max && !offeredHuman;
        if (offer)
        {
            text += "\n\n" + ReplyTexts.OfferHuman(settings);
        }
        return new AnswerDecision(text, wantsHuman, offer);
    }

    /// <summary>
    /// The AI turns and offer of the current AI stretch, recomputed from the history after a restart (they are
    /// written to grain state only within a few seconds): assistant answers since the last operator or system
    /// message, and whether one of them carried the offer.
    /// </summary>
    public static (int AiTurns, bool OfferedHuman) Rebuild(IReadOnlyList<DialogMessage> recent, AssistantSettings? settings)
    {
        var offer = settings is null ? null : ReplyTexts.OfferHuman(settings);
        int turns = 0;
        var offered = false;
        for (var i = recent.Count - 1; i >= 0; i--)
        {
            var m = recent[i];
            if (m.Author is MessageAuthor.Operator or MessageAuthor.System)
            {
                break;
            }
            if (m.Author == MessageAuthor.Assistant && !m.Offline)
            {
                turns++;
                offered |= offer is not null && m.Text.EndsWith(offer, StringComparison.Ordinal);
            }
        }
        return (turns, offered);
    }
}
