using ReplyX.Assistants;
using ReplyX.Dialogs;
using Telegram.Bot.Types;

namespace ReplyX.Bots;

/// <summary>
/// Hands one bot's Telegram updates to their dialogs: maps the update, opens the chat's dialog once per
/// activation (opening is idempotent but a grain call; the reference is kept, as deriving the key hashes and
/// resolving a reference reflects on every call), and posts the message, with the assistant's fixed reply
/// for /start and non-text messages. Returns whether the update was for the bot at all.
/// </summary>
public sealed class TelegramIntake(IGrainFactory grains, Guid botId)
{
    private readonly Dictionary<string, IDialogGrain> _opened = [];

    public async Task<bool> Accept(Update update, BotState bot)
    {
        if (TelegramUpdates.Map(update, bot.TelegramId, bot.Username) is not { } incoming)
        {
            return false;
        }
        var dialog = await Open(incoming.ChatId, bot);
        switch (incoming.Kind)
        {
            case IncomingKind.Start:
                await dialog.PostAutoReplied(incoming.Text, ReplyTexts.Greeting(await AssistantSettings(bot)), incoming.ExternalId);
                break;
            case IncomingKind.NonText:
                await dialog.PostAutoReplied(incoming.Text, ReplyTexts.TextOnly(await AssistantSettings(bot)), incoming.ExternalId);
                break;
            default:
                await dialog.PostUserMessage(incoming.Text, incoming.ExternalId);
                break;
        }
        return true;
    }

    private async Task<IDialogGrain> Open(string chatId, BotState bot)
    {
        if (!_opened.TryGetValue(chatId, out var dialog))
        {
            dialog = grains.GetGrain<IDialogGrain>(DialogKeys.For(TelegramChannel.Name, botId, chatId));
            await dialog.Open(new DialogStart(bot.AccountId, bot.AssistantId, TelegramChannel.Name, chatId, botId));
            if (_opened.Count >= 1024)
            {
                _opened.Clear();
            }
            _opened[chatId] = dialog;
        }
        return dialog;
    }

    /// <summary>Only fixed replies need the assistant here (its greeting and language); questions go to the dialog.</summary>
    private async Task<AssistantSettings?> AssistantSettings(BotState bot) =>
        (await grains.GetGrain<IAssistantGrain>(bot.AssistantId).Get(bot.AccountId))?.Settings;
}
