using System.Text.Json;
using ReplyX.Bots;
using Telegram.Bot;
using Telegram.Bot.Types;

namespace ReplyX.Tests.Bots;

/// <summary>Which updates the bot answers, and what the dialog is given, from updates as Telegram sends them.</summary>
public sealed class TelegramUpdatesTests
{
    private const long BotId = 777;
    private const string BotName = "shop_bot";

    private static Update Parse(string json) => JsonSerializer.Deserialize<Update>(json, JsonBotAPI.Options)!;

    private static Update Message(long chat, string? text, string chatType = "private", string extra = "")
    {
        var textField = text is null ? "" : ", \"text\": " + JsonSerializer.Serialize(text);
        return Parse("{\"update_id\": 42, \"message\": {\"message_id\": 1, \"date\": 1700000000, \"chat\": {\"id\": " + chat
            + ", \"type\": \"" + chatType + "\"}, \"from\": {\"id\": 5, \"is_bot\": false, \"first_name\": \"Иван\"}" + textField + extra + "}}");
    }

    [Fact]
    public void A_private_text_is_a_question_with_the_update_as_its_external_id()
    {
        var incoming = TelegramUpdates.Map(Message(100, "Где мой заказ?"), BotId, BotName);
        Assert.Equal(new IncomingMessage("100", IncomingKind.Question, "Где мой заказ?", "tg:42"), incoming);
    }

    [Theory]
    [InlineData("/start", true)]
    [InlineData("/start promo-7", true)]
    [InlineData("/start@shop_bot", true)]
    [InlineData("/started", false)]
    [InlineData("/start@other_bot", false)]
    public void Start_is_recognised_only_as_the_command(string text, bool isStart)
    {
        var incoming = TelegramUpdates.Map(Message(100, text), BotId, BotName)!;
        Assert.Equal(isStart ? IncomingKind.Start : IncomingKind.Question, incoming.Kind);
    }

    [Fact]
    public void A_photo_without_caption_gets_the_text_only_reply()
    {
        var incoming = TelegramUpdates.Map(Message(100, null, extra: """, "photo": [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]"""), BotId, BotName)!;
        Assert.Equal(IncomingKind.NonText, incoming.Kind);
        Assert.Equal("[photo]", incoming.Text);
    }

    [Fact]
    public void In_a_group_only_a_mention_or_a_reply_to_the_bot_is_answered_and_the_mention_is_removed()
    {
        Assert.Null(TelegramUpdates.Map(Message(-100, "всем привет", "group"), BotId, BotName));
        Assert.Equal("сколько стоит доставка?", TelegramUpdates.Map(Message(-100, "@Shop_Bot сколько стоит доставка?", "supergroup"), BotId, BotName)!.Text);
        var reply = Message(-100, "а в субботу?", "group",
            """, "reply_to_message": {"message_id": 0, "date": 1700000000, "chat": {"id": -100, "type": "group"}, "from": {"id": 777, "is_bot": true, "first_name": "Shop"}, "text": "Мы работаем до 20:00"}""");
        Assert.Equal("а в субботу?", TelegramUpdates.Map(reply, BotId, BotName)!.Text);
    }

    [Fact]
    public void Edits_and_other_updates_are_not_answered()
    {
        Assert.Null(TelegramUpdates.Map(Parse("""{"update_id": 43, "edited_message": {"message_id": 1, "date": 1700000000, "chat": {"id": 100, "type": "private"}, "text": "fixed"}}"""), BotId, BotName));
    }

    [Fact]
    public void A_nul_character_is_removed_before_the_store_sees_it()
    {
        Assert.Equal("ab", TelegramUpdates.Map(Message(100, "a\u0000b"), BotId, BotName)!.Text);
    }
}
