using Microsoft.Extensions.Logging;

namespace ReplyX.Bots;

/// <summary>The bot grain's log events (message templates, generated at compile time).</summary>
internal static partial class BotLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId} connected as @{Username}")]
    public static partial void Connected(ILogger logger, Guid botId, string username);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId}: deleteWebhook failed: {Error}")]
    public static partial void DeleteWebhookFailed(ILogger logger, Guid botId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Bot {BotId} token rotated (was enabled: {WasEnabled})")]
    public static partial void Rotated(ILogger logger, Guid botId, bool wasEnabled);
}
