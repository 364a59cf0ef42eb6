using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class InMemoryAssistantsApiTests(MemoryApp app) : AssistantsApiContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAssistantsApiTests(PostgresApp app) : AssistantsApiContract(app), IClassFixture<PostgresApp>;

/// <summary>Assistants CRUD and one-off questions through HTTP, answered by the fake provider via the real OpenAI client.</summary>
public abstract class AssistantsApiContract(AppFixture app)
{
    private const string Password = "correct horse battery";
    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private static Task<JsonElement> Body(HttpResponseMessage r) => r.JsonBody();

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null) => _client.SendAs(method, path, token, body);

    private async Task<string> Owner()
    {
        var r = await _client.PostAsJsonAsync("/api/auth/register", new { email = $"as.{Guid.NewGuid():N}@example.com", password = Password, name = "Owner" });
        return (await Body(r)).GetProperty("accessToken").GetString()!;
    }

    private async Task<string> Admin()
    {
        var r = await _client.PostAsJsonAsync("/api/auth/login", new { email = "root@replyx.test", password = "admin password for tests" });
        return (await Body(r)).GetProperty("accessToken").GetString()!;
    }

    [Fact]
    public async Task Owner_creates_reads_changes_lists_and_deletes_an_assistant()
    {
        var owner = await Owner();
        var created = await Send(HttpMethod.Post, "/api/assistants", owner, new
        {
            name = "Поддержка магазина",
            systemPrompt = "Ты вежливый помощник магазина.",
            temperature = 0.3,
            handoff = new { keywords = new[] { "оператор" }, maxAiTurns = 5 },
            widget = new { allowedOrigins = new[] { "https://shop.example.com" }, greeting = "Здравствуйте!", color = "#1e88e5", position = "bottom-right" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await Body(created);
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal("gpt-4o-mini", body.GetProperty("model").GetString());
        Assert.Equal("ru", body.GetProperty("language").GetString());
        Assert.Equal(5, body.GetProperty("handoff").GetProperty("maxAiTurns").GetInt32());

        var patched = await Body(await Send(HttpMethod.Patch, $"/api/assistants/{id}", owner, new { model = "yandexgpt-lite", providers = new[] { "yandexgpt", "openai" } }));
        Assert.Equal("yandexgpt-lite", patched.GetProperty("model").GetString());
        Assert.Equal(["yandexgpt", "openai"], patched.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("Поддержка магазина", patched.GetProperty("name").GetString());

        var fetched = await Body(await Send(HttpMethod.Get, $"/api/assistants/{id}", owner));
        Assert.Equal("https://shop.example.com", fetched.GetProperty("widget").GetProperty("allowedOrigins")[0].GetString());
        var list = await Body(await Send(HttpMethod.Get, "/api/assistants", owner));
        Assert.Equal([id], list.EnumerateArray().Select(a => a.GetProperty("id").GetGuid()));

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/assistants/{id}", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/assistants/{id}", owner)).StatusCode);
        Assert.Empty((await Body(await Send(HttpMethod.Get, "/api/assistants", owner))).EnumerateArray());
    }

    [Theory]
    [InlineData("{\"name\":\"\"}", "name")]
    [InlineData("{\"name\":\"x\",\"temperature\":3}", "temperature")]
    [InlineData("{\"name\":\"x\",\"language\":\"de\"}", "language")]
    [InlineData("{\"name\":\"x\",\"providers\":[\"skynet\"]}", "providers")]
    [InlineData("{\"name\":\"x\",\"widget\":{\"allowedOrigins\":[\"https://shop.example.com/path\"]}}", "widget.allowedOrigins")]
    [InlineData("{\"name\":\"x\",\"widget\":{\"color\":\"blue\"}}", "widget.color")]
    [InlineData("{\"name\":\"x\",\"handoff\":{\"maxAiTurns\":-1}}", "handoff.maxAiTurns")]
    public async Task Invalid_settings_are_field_errors(string json, string field)
    {
        var owner = await Owner();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/assistants") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner);

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response)).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Ask_answers_through_the_configured_key_and_reports_usage()
    {
        var owner = await Owner();
        var model = "ask-model-" + Guid.NewGuid().ToString("N")[..6];
        var apiKey = "sk-ask-" + Guid.NewGuid().ToString("N");
        var added = await Send(HttpMethod.Post, "/api/admin/ai-tokens", await Admin(), new { provider = "custom", apiKey, baseUrl = app.Fake.BaseUrl, models = new[] { model }, priority = 1 });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var addedText = await added.Content.ReadAsStringAsync();
        Assert.DoesNotContain(apiKey, addedText);
        Assert.Contains("sk-…", addedText);

        var id = (await Body(await Send(HttpMethod.Post, "/api/assistants", owner, new { name = "Asker", systemPrompt = "Be brief.", model }))).GetProperty("id").GetGuid();
        var ask = await Send(HttpMethod.Post, $"/api/assistants/{id}/ask", owner, new { text = "Когда доставка?" });

        Assert.Equal(HttpStatusCode.OK, ask.StatusCode);
        var answer = await Body(ask);
        Assert.Equal("Echo: Когда доставка?", answer.GetProperty("text").GetString());
        Assert.False(answer.GetProperty("offline").GetBoolean());
        var served = Assert.Single(app.Fake.ServedTo(apiKey));
        Assert.Equal(served.PromptTokens, answer.GetProperty("usage").GetProperty("promptTokens").GetInt32());
        Assert.DoesNotContain(apiKey, await (await Send(HttpMethod.Get, "/api/admin/ai-tokens", await Admin())).Content.ReadAsStringAsync());

        // The call is in the daily usage of its key and of the owner's account.
        var tokenId = (await Body(added)).GetProperty("id").GetGuid();
        var byKey = await Body(await Send(HttpMethod.Get, $"/api/admin/ai-usage?by=key&id={tokenId}", await Admin()));
        var day = Assert.Single(byKey.EnumerateArray());
        Assert.Equal(1, day.GetProperty("calls").GetInt64());
        Assert.Equal(served.PromptTokens, day.GetProperty("promptTokens").GetInt64());
        Assert.Equal(served.CompletionTokens, day.GetProperty("completionTokens").GetInt64());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/ai-usage?by=planet", await Admin())).StatusCode);
    }

    [Fact]
    public async Task Without_any_provider_the_answer_is_the_clearly_marked_fallback_text()
    {
        var owner = await Owner();
        var id = (await Body(await Send(HttpMethod.Post, "/api/assistants", owner,
            new { name = "Offline", model = "no-such-model-" + Guid.NewGuid().ToString("N"), fallbackText = "Мы ответим в течение часа." }))).GetProperty("id").GetGuid();

        var answer = await Body(await Send(HttpMethod.Post, $"/api/assistants/{id}/ask", owner, new { text = "Алло?" }));

        Assert.True(answer.GetProperty("offline").GetBoolean());
        Assert.Equal("Мы ответим в течение часа.", answer.GetProperty("text").GetString());
        Assert.Equal(0, answer.GetProperty("usage").GetProperty("promptTokens").GetInt32());
    }

    [Fact]
    public async Task Ask_is_503_with_retry_after_when_every_key_is_resting()
    {
        var owner = await Owner();
        var model = "busy-model-" + Guid.NewGuid().ToString("N")[..6];
        var apiKey = "sk-busy-" + Guid.NewGuid().ToString("N");
        app.Fake.For(apiKey).RateLimitedRetryAfterSeconds = 20;
        await Send(HttpMethod.Post, "/api/admin/ai-tokens", await Admin(), new { provider = "openai", apiKey, baseUrl = app.Fake.BaseUrl, models = new[] { model } });
        var id = (await Body(await Send(HttpMethod.Post, "/api/assistants", owner, new { name = "Busy", model }))).GetProperty("id").GetGuid();

        var response = await Send(HttpMethod.Post, $"/api/assistants/{id}/ask", owner, new { text = "hello" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.InRange(int.Parse(response.Headers.GetValues("Retry-After").Single()), 15, 21);
    }

    [Fact]
    public async Task Admin_key_management_validates_and_never_returns_the_key()
    {
        var admin = await Admin();
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin, new { provider = "custom", apiKey = "k" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin, new { provider = "skynet", apiKey = "k" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin, new { provider = "openai" })).StatusCode);

        var createdResponse = await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin, new { provider = "openai", apiKey = "sk-rotate-me-123456", rpm = 60, dailyLimit = 100000 });
        Assert.DoesNotContain("sk-rotate-me-123456", await createdResponse.Content.ReadAsStringAsync());
        var id = (await Body(createdResponse)).GetProperty("id").GetGuid();
        var rotated = await Send(HttpMethod.Patch, $"/api/admin/ai-tokens/{id}", admin, new { apiKey = "sk-new-key-654321", enabled = false });
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.DoesNotContain("sk-new-key-654321", await rotated.Content.ReadAsStringAsync());
        Assert.DoesNotContain("sk-new-key-654321", await (await Send(HttpMethod.Get, $"/api/admin/ai-tokens/{id}", admin)).Content.ReadAsStringAsync());
        var rotatedBody = await Body(rotated);
        Assert.Equal("sk-…4321", rotatedBody.GetProperty("keyHint").GetString());
        Assert.False(rotatedBody.GetProperty("enabled").GetBoolean());
        Assert.Equal(60, rotatedBody.GetProperty("rpm").GetInt32());
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/admin/ai-tokens/{id}", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/admin/ai-tokens/{id}", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/admin/ai-tokens", await Owner())).StatusCode);
    }
}
