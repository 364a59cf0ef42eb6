using Microsoft.Extensions.Logging;
using Orleans.Streams;
using ReplyX.Dialogs;
using ReplyX.Hosting;

namespace ReplyX.Bots;

/// <summary>
/// A bot's status changes on its account's feed and on the admins' feed (<c>bot.status</c>). Notifications
/// only: a refused publish is logged and never fails the change, which is in the bot's state.
/// </summary>
public sealed partial class BotStatusFeed(IStreamProvider provider, Guid botId, ILogger logger)
{
    /// <summary>The key of the single admin stream.</summary>
    public static readonly Guid AdminKey = Guid.Empty;

    private BotStatus? _last;

    public async Task Changed(Guid accountId, BotStatus status, string? error)
    {
        if (_last == status)
        {
            return;
        }
        _last = status;
        var evt = new DialogEvent(0, botId, accountId, DialogEventKinds.BotStatus, null, null, status.ToString().ToLowerInvariant(), null, error);
        await Publish(StreamId.Create(StreamNames.Account, accountId), evt);
        await Publish(StreamId.Create(StreamNames.Admin, AdminKey), evt);
    }

    private async Task Publish(StreamId id, DialogEvent evt)
    {
        try
        {
            await provider.GetStream<DialogEvent>(id).OnNextAsync(evt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            LogNotPublished(botId, Errors.Describe(ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bot {BotId}: a status change was not published: {Error}")]
    private partial void LogNotPublished(Guid botId, string error);
}
