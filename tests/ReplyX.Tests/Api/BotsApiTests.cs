using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Fakes;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>Connecting and managing Telegram bots over HTTP, against the fake Bot API.</summary>
public sealed class BotsApiTests : IClassFixture<BotsApiTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public ReplyXAppFactory Factory { get; private set; } = null!;
        public FakeTelegram Telegram { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Telegram = await FakeTelegram.StartAsync();
            Factory = new(new Dictionary<string, string?>
            {
                ["RateLimits:AuthPerMinute"] = "1000",
                ["Admin:Email"] = "bots-admin@replyx.test",
                ["Admin:Password"] = "admin password for tests",
                ["Telegram:ApiBaseUrl"] = Telegram.BaseUrl,
                ["Telegram:PollTimeout"] = "00:00:02",
            });
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Telegram.DisposeAsync();
        }
    }

    private readonly App _app;
    private readonly HttpClient _client;

    public BotsApiTests(App app)
    {
        _app = app;
        _client = app.Factory.CreateClient(new() { HandleCookies = false });
    }

    private static Task<JsonElement> Body(HttpResponseMessage r) => r.JsonBody();

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null) => _client.SendAs(method, path, token, body);

    private async Task<(string Token, Guid Assistant)> Owner()
    {
        var r = await _client.PostAsJsonAsync("/api/auth/register", new { email = $"bots.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Owner" });
        var token = (await Body(r)).GetProperty("accessToken").GetString()!;
        var assistant = await Body(await Send(HttpMethod.Post, "/api/assistants", token, new { name = "Bot assistant" }));
        return (token, assistant.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Owner_connects_lists_stops_starts_and_deletes_a_bot()
    {
        var (owner, assistant) = await Owner();
        var botToken = _app.Telegram.AddBot("my_shop_bot");

        var created = await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = botToken });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var bot = await Body(created);
        var id = bot.GetProperty("id").GetGuid();
        Assert.Equal("my_shop_bot", bot.GetProperty("username").GetString());
        Assert.DoesNotContain(botToken, await created.Content.ReadAsStringAsync());
        Assert.Equal([id], (await Body(await Send(HttpMethod.Get, "/api/bots", owner))).EnumerateArray().Select(b => b.GetProperty("id").GetGuid()));
        Assert.Equal("stopped", (await Body(await Send(HttpMethod.Post, $"/api/bots/{id}/stop", owner))).GetProperty("status").GetString());
        Assert.Equal("starting", (await Body(await Send(HttpMethod.Post, $"/api/bots/{id}/start", owner))).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/bots/{id}", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/bots/{id}", owner)).StatusCode);
        Assert.Empty((await Body(await Send(HttpMethod.Get, "/api/bots", owner))).EnumerateArray());
    }

    [Fact]
    public async Task Bad_tokens_unknown_assistants_and_duplicates_are_clear_errors()
    {
        var (owner, assistant) = await Owner();

        var malformed = await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = "hello" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.True((await Body(malformed)).GetProperty("errors").TryGetProperty("token", out _));

        var rejected = await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = "123456789:AAHfakefakefakefakefakefakefake" });
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains("rejected", (await Body(rejected)).GetProperty("errors").GetProperty("token")[0].GetString());

        var foreignAssistant = await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = Guid.NewGuid(), token = _app.Telegram.AddBot("x_bot") });
        Assert.True((await Body(foreignAssistant)).GetProperty("errors").TryGetProperty("assistantId", out _));

        var botToken = _app.Telegram.AddBot("dup_bot");
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = botToken })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = botToken })).StatusCode);
    }

    [Fact]
    public async Task Admins_see_every_bot_with_its_silo_and_owners_cannot()
    {
        var (owner, assistant) = await Owner();
        var created = await Body(await Send(HttpMethod.Post, "/api/bots", owner, new { assistantId = assistant, token = _app.Telegram.AddBot("admin_view_bot") }));
        var id = created.GetProperty("id").GetGuid();
        var login = await _client.PostAsJsonAsync("/api/auth/login", new { email = "bots-admin@replyx.test", password = "admin password for tests" });
        var admin = (await Body(login)).GetProperty("accessToken").GetString()!;

        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await Body(await Send(HttpMethod.Get, "/api/admin/bots?limit=1" + (cursor is null ? "" : "&cursor=" + cursor), admin));
            foreach (var bot in page.GetProperty("items").EnumerateArray())
            {
                ids.Add(bot.GetProperty("id").GetGuid());
                Assert.False(string.IsNullOrEmpty(bot.GetProperty("silo").GetString()));
            }
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Contains(id, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/admin/bots", owner)).StatusCode);
    }
}
