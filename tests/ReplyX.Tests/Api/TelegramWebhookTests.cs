using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReplyX.Fakes;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>Webhook mode end to end: the API receives Telegram's POSTs, the bot answers through the fake Bot API.</summary>
public sealed class TelegramWebhookTests : IClassFixture<TelegramWebhookTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public ReplyXAppFactory Factory { get; private set; } = null!;
        public FakeTelegram Telegram { get; private set; } = null!;
        public FakeOpenAi Ai { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Telegram = await FakeTelegram.StartAsync();
            Ai = await FakeOpenAi.StartAsync();
            Factory = new(new Dictionary<string, string?>
            {
                ["RateLimits:AuthPerMinute"] = "1000",
                ["Telegram:ApiBaseUrl"] = Telegram.BaseUrl,
                ["Telegram:PublicUrl"] = "https://replyx.example.com",
                ["Ai:Providers:0:Name"] = "fake",
                ["Ai:Providers:0:Kind"] = "custom",
                ["Ai:Providers:0:BaseUrl"] = Ai.BaseUrl,
                ["Ai:Providers:0:ApiKey"] = "sk-webhook",
                ["Ai:DirectoryRefresh"] = "00:00:00.050",
            });
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Telegram.DisposeAsync();
            await Ai.DisposeAsync();
        }
    }

    private readonly App _app;
    private readonly HttpClient _client;

    public TelegramWebhookTests(App app)
    {
        _app = app;
        _client = app.Factory.CreateClient(new() { HandleCookies = false });
    }

    private static Task<JsonElement> Body(HttpResponseMessage r) => r.JsonBody();

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null) => _client.SendAs(method, path, token, body);

    private Task<HttpResponseMessage> Webhook(Guid botId, string? secret, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/telegram/{botId}") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (secret is not null)
        {
            request.Headers.Add("X-Telegram-Bot-Api-Secret-Token", secret);
        }
        return _client.SendAsync(request);
    }

    private static string Update(int updateId, long chatId, string text) => JsonSerializer.Serialize(new
    {
        update_id = updateId,
        message = new
        {
            message_id = updateId,
            date = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            chat = new { id = chatId, type = "private", first_name = "Anna" },
            from = new { id = chatId, is_bot = false, first_name = "Anna" },
            text,
        },
    });

    [Fact]
    public async Task Webhook_updates_with_the_right_secret_are_answered_once_even_out_of_order_and_wrong_ones_are_refused()
    {
        var register = await _client.PostAsJsonAsync("/api/auth/register", new { email = $"hook.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Owner" });
        var owner = (await Body(register)).GetProperty("accessToken").GetString()!;
        var assistant = (await Body(await Send(HttpMethod.Post, "/api/assistants", owner, new { name = "Hook", model = "any-model" }))).GetProperty("id").GetGuid();
        var botToken = _app.Telegram.AddBot("hook_bot");
        var bot = await Body(await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = botToken }));
        var botId = bot.GetProperty("id").GetGuid();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (_app.Telegram.WebhookOf(botToken).Secret is null)
        {
            await Task.Delay(20, timeout.Token);
        }
        var (url, secret) = _app.Telegram.WebhookOf(botToken);
        Assert.Equal($"https://replyx.example.com/telegram/{botId}", url);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Webhook(botId, "wrong", Update(1, 777, "hi"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Webhook(botId, null, Update(1, 777, "hi"))).StatusCode);
        // Another bot's secret is wrong for this id: refused before any grain is asked.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Webhook(Guid.NewGuid(), secret, Update(1, 777, "hi"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Webhook(botId, secret, "{\"update_id\":")).StatusCode);
        Assert.Empty(_app.Telegram.SentBy(botToken));

        Assert.Equal(HttpStatusCode.OK, (await Webhook(botId, secret, Update(1, 777, "Привет из вебхука"))).StatusCode);
        // Telegram redelivers when it did not see our 200 in time: the same update must not be answered twice.
        Assert.Equal(HttpStatusCode.OK, (await Webhook(botId, secret, Update(1, 777, "Привет из вебхука"))).StatusCode);
        while (_app.Telegram.SentBy(botToken).Count == 0)
        {
            await Task.Delay(20, timeout.Token);
        }
        Assert.Equal(HttpStatusCode.OK, (await Webhook(botId, secret, Update(2, 777, "/start"))).StatusCode);
        while (_app.Telegram.SentBy(botToken).Count < 2)
        {
            await Task.Delay(20, timeout.Token);
        }

        // Telegram delivers webhook updates over parallel connections, so a lower id may come after a higher one:
        // it is new, not a redelivery.
        Assert.Equal(HttpStatusCode.OK, (await Webhook(botId, secret, Update(5, 778, "пятое"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Webhook(botId, secret, Update(4, 779, "четвёртое"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Webhook(botId, secret, Update(4, 779, "четвёртое"))).StatusCode);
        while (_app.Telegram.SentBy(botToken).Count < 4)
        {
            await Task.Delay(20, timeout.Token);
        }

        var sent = _app.Telegram.SentBy(botToken).Select(m => m.Text).ToArray();
        Assert.Equal(["Echo: Привет из вебхука", "Здравствуйте! Чем могу помочь?"], sent[..2]);
        Assert.Equal(["Echo: пятое", "Echo: четвёртое"], sent[2..].Order(StringComparer.Ordinal)); // two chats, answered in parallel
        Assert.Equal("running", (await Body(await Send(HttpMethod.Get, $"/api/bots/{botId}", owner))).GetProperty("status").GetString());
    }

    private async Task<int> BotActivations()
    {
        var stats = await _app.Factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains("BotGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }

    [Fact]
    public async Task Anonymous_deliveries_with_a_wrong_secret_activate_nothing_read_no_body_and_are_throttled_per_address()
    {
        var before = await BotActivations();
        var statuses = new List<int>();
        for (var i = 0; i < 70; i++)
        {
            // From one address of this test's own (the refusal budget is per address).
            var guessed = i % 2 == 1;
            var context = await _app.Factory.SendFrom("POST", $"/telegram/{Guid.NewGuid()}", "198.51.100.23", request =>
            {
                request.ContentType = "application/json";
                request.Body = new MemoryStream(Encoding.UTF8.GetBytes(Update(1, 777, "hi")));
                if (guessed)
                {
                    request.Headers["X-Telegram-Bot-Api-Secret-Token"] = "guessed";
                }
            });
            statuses.Add(context.Response.StatusCode);
        }

        Assert.Equal(before, await BotActivations());
        Assert.Equal(Enumerable.Repeat(401, 60), statuses.Take(60));
        Assert.Equal(Enumerable.Repeat(429, 10), statuses.Skip(60));
    }

    [Fact]
    public async Task A_delivery_larger_than_any_update_is_refused_with_413()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/telegram/{Guid.NewGuid()}")
        {
            Content = new StringContent(new string(' ', 300 * 1024) + "{}", Encoding.UTF8, "application/json"),
        };

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
