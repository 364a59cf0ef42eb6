using System.Globalization;
using Telegram.Bot.Types;
using Telegram.Bot.Types.Enums;

namespace ReplyX.Bots;

public enum IncomingKind
{
    /// <summary>A text for the assistant.</summary>
    Question,
    /// <summary>/start: answered with the assistant's greeting, not by the AI.</summary>
    Start,
    /// <summary>A photo, sticker, voice…: answered with a polite "text only" note.</summary>
    NonText,
}

/// <summary>A Telegram update as the dialog sees it; <see cref="ExternalId"/> makes a redelivery recognisable.</summary>
public sealed record IncomingMessage(string ChatId, IncomingKind Kind, string Text, string ExternalId);

/// <summary>Which updates a bot answers and what the dialog is given (no I/O; tested on plain updates).</summary>
public static class TelegramUpdates
{
    public static string ExternalId(int updateId) => "tg:" + updateId.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Null for updates the bot stays silent on: anything but a new message (edits are never answered twice),
    /// and group messages that neither mention the bot nor reply to it.
    /// </summary>
    public static IncomingMessage? Map(Update update, long botUserId, string botUsername)
    {
        if (update.Message is not { } message)
        {
            return null;
        }
        var isGroup = message.Chat.Type is ChatType.Group or ChatType.Supergroup;
        var text = message.Text ?? message.Caption;
        var mention = botUsername.Length > 0 ? "@" + botUsername : null;
        if (isGroup && message.ReplyToMessage?.From?.Id != botUserId
            && (text is null || mention is null || !text.Contains(mention, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        var chatId = message.Chat.Id.ToString(CultureInfo.InvariantCulture);
        var externalId = ExternalId(update.Id);
        if (text is not null && IsStartCommand(text, botUsername))
        {
            return new IncomingMessage(chatId, IncomingKind.Start, Clean(text), externalId);
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return new IncomingMessage(chatId, IncomingKind.NonText, $"[{message.Type.ToString().ToLowerInvariant()}]", externalId);
        }
        if (isGroup && mention is not null)
        {
            text = text.Replace(mention, "", StringComparison.OrdinalIgnoreCase).Trim();
        }
        return new IncomingMessage(chatId, IncomingKind.Question, Clean(text), externalId);
    }

    /// <summary>A webhook delivery: the update, or why it is refused (the secret is compared in constant time).</summary>
    public static (Update? Update, WebhookOutcome Outcome) ParseWebhook(string? secret, string expectedSecret, string json)
    {
        if (secret is null || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(expectedSecret)))
        {
            return (null, WebhookOutcome.WrongSecret);
        }
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<Update>(json, Telegram.Bot.JsonBotAPI.Options) is { } update
                ? (update, WebhookOutcome.Accepted)
                : (null, WebhookOutcome.Malformed);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, WebhookOutcome.Malformed);
        }
    }

    /// <summary>"/start", "/start payload" or "/start@this_bot", not "/started".</summary>
    private static bool IsStartCommand(string text, string botUsername)
    {
        if (!text.StartsWith("/start", StringComparison.Ordinal))
        {
            return false;
        }
        var rest = text.AsSpan(6);
        return rest.IsEmpty || char.IsWhiteSpace(rest[0])
            || (rest[0] == '@' && rest[1..].StartsWith(botUsername, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Telegram delivers U+0000, which PostgreSQL refuses in text (the message would fail on every redelivery).</summary>
    private static string Clean(string text) => text.Contains('\0') ? text.Replace("\0", "", StringComparison.Ordinal) : text;
}
