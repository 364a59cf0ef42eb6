using System.Net;
using System.Net.Http.Json;
using ReplyX.Fakes;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>An operator's reply reaches a Telegram user through the bot's outbox (the fake Bot API, called by Telegram.Bot).</summary>
public sealed class OperatorToTelegramTests : IAsyncLifetime
{
    private FakeTelegram _telegram = null!;
    private ReplyXAppFactory _factory = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _telegram = await FakeTelegram.StartAsync();
        _factory = new ReplyXAppFactory(new Dictionary<string, string?>
        {
            ["RateLimits:AuthPerMinute"] = "1000",
            ["Telegram:ApiBaseUrl"] = _telegram.BaseUrl,
            ["Telegram:PollTimeout"] = "00:00:02",
            ["Admin:Email"] = "root@tg.test",
            ["Admin:Password"] = "admin password for tests",
        });
        _client = _factory.CreateClient(new() { HandleCookies = false });
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _telegram.DisposeAsync();
    }

    [Fact]
    public async Task Bot_status_changes_reach_the_owners_feed_and_the_admins_feed_but_not_another_account()
    {
        async Task<string> Register() => await _client.RegisterOwner("tg");
        var owner = await Register();
        var stranger = await Register();
        var admin = (await (await _client.PostAsJsonAsync("/api/auth/login", new { email = "root@tg.test", password = "admin password for tests" })).JsonBody())
            .GetProperty("accessToken").GetString()!;
        var assistantId = (await (await _client.SendAs(HttpMethod.Post, "/api/assistants", owner, new { name = "Bot help", systemPrompt = "x" })).JsonBody())
            .GetProperty("id").GetGuid();

        var (ownerFeed, _) = await SseClient.Open(_client, "/api/events", owner);
        var (adminFeed, _) = await SseClient.Open(_client, "/api/admin/events", admin);
        var (strangerFeed, _) = await SseClient.Open(_client, "/api/events", stranger);
        Assert.Equal(HttpStatusCode.Forbidden, (await SseClient.Open(_client, "/api/admin/events", owner)).Response.StatusCode);
        await using (ownerFeed!)
        await using (adminFeed!)
        await using (strangerFeed!)
        {
            Assert.Equal("ready", (await ownerFeed!.Next()).Type);
            Assert.Equal("ready", (await adminFeed!.Next()).Type);
            Assert.Equal("ready", (await strangerFeed!.Next()).Type);
            var connected = await (await _client.SendAs(HttpMethod.Post, "/api/bots", owner, new { assistantId, token = _telegram.AddBot("status_bot") })).JsonBody();
            var botId = connected.GetProperty("id").GetGuid();

            var running = await ownerFeed.NextOf("bot.status", e => e.Json.GetProperty("status").GetString() == "running", TimeSpan.FromSeconds(20));
            Assert.Equal(botId, running.Json.GetProperty("botId").GetGuid());
            await adminFeed.NextOf("bot.status", e => e.Json.GetProperty("botId").GetGuid() == botId && e.Json.GetProperty("status").GetString() == "running");

            Assert.Equal(HttpStatusCode.OK, (await _client.SendAs(HttpMethod.Post, $"/api/bots/{botId}/stop", owner)).StatusCode);
            await ownerFeed.NextOf("bot.status", e => e.Json.GetProperty("status").GetString() == "stopped");

            // The other account's feed got none of that: the first bot status it sees is of its own bot.
            var ownAssistant = (await (await _client.SendAs(HttpMethod.Post, "/api/assistants", stranger, new { name = "Other", systemPrompt = "x" })).JsonBody())
                .GetProperty("id").GetGuid();
            var ownBot = (await (await _client.SendAs(HttpMethod.Post, "/api/bots", stranger, new { assistantId = ownAssistant, token = _telegram.AddBot("other_bot") })).JsonBody())
                .GetProperty("id").GetGuid();
            Assert.Equal(ownBot, (await strangerFeed.NextOf("bot.status")).Json.GetProperty("botId").GetGuid());
        }
    }

    [Fact]
    public async Task A_telegram_user_who_asks_for_a_person_gets_the_operators_reply_in_the_chat()
    {
        var owner = await _client.RegisterOwner("tg");
        var assistantId = (await (await _client.SendAs(HttpMethod.Post, "/api/assistants", owner, new { name = "Bot help", systemPrompt = "x" })).JsonBody())
            .GetProperty("id").GetGuid();
        var token = _telegram.AddBot("shop_help_bot");
        Assert.Equal(HttpStatusCode.Created, (await _client.SendAs(HttpMethod.Post, "/api/bots", owner, new { assistantId, token })).StatusCode);

        _telegram.UserWrites(token, 4242, "Позовите оператора, пожалуйста");
        var dialogId = Guid.Empty;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (dialogId == Guid.Empty)
        {
            Assert.True(DateTime.UtcNow < deadline, "the Telegram dialog did not wait for an operator within 20 s");
            var waiting = (await (await _client.SendAs(HttpMethod.Get, "/api/dialogs?channel=telegram&status=waiting", owner)).JsonBody()).GetProperty("items");
            dialogId = waiting.GetArrayLength() > 0 ? waiting[0].GetProperty("id").GetGuid() : Guid.Empty;
            await Task.Delay(50);
        }

        Assert.Equal(HttpStatusCode.OK, (await _client.SendAs(HttpMethod.Post, $"/api/dialogs/{dialogId}/takeover", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _client.SendAs(HttpMethod.Post, $"/api/dialogs/{dialogId}/messages", owner, new { text = "Здравствуйте, это Анна. Чем помочь?" })).StatusCode);

        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!_telegram.Sent.Any(m => m.ChatId == 4242 && m.Text == "Здравствуйте, это Анна. Чем помочь?"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the operator's reply was not sent to the chat within 20 s");
            await Task.Delay(50);
        }
    }
}
