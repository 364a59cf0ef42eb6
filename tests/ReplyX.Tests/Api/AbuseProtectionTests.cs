using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>Rate limits per address and per user, body size limit, CORS for configured dashboard origins.</summary>
public sealed class AbuseProtectionTests : IClassFixture<AbuseProtectionTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public ReplyXAppFactory Factory { get; } = new(new Dictionary<string, string?>
        {
            ["RateLimits:AuthPerMinute"] = "8",
            ["RateLimits:UserPerMinute"] = "6",
            ["Cors:Origins:0"] = "https://dashboard.example.com",
        });

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly App _app;

    public AbuseProtectionTests(App app) => _app = app;

    private static HttpRequestMessage Me(string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Auth_endpoints_and_each_user_are_rate_limited_with_retry_after()
    {
        var client = _app.Factory.CreateClient();
        var tokens = new List<string>();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            var response = await client.PostAsJsonAsync("/api/auth/register",
                new { email = $"rl.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "RL" });
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.Created)
            {
                tokens.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!);
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single()) > 0);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.Equal(8, statuses.Count(s => s == HttpStatusCode.Created));

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            first.Add((await client.SendAsync(Me(tokens[0]))).StatusCode);
        }
        Assert.Equal(6, first.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(2, first.Count(s => s == HttpStatusCode.TooManyRequests));
        // Another user is not affected by the first one's burst.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Me(tokens[1]))).StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_are_413_problems()
    {
        var body = "{\"email\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        var response = await _app.Factory.CreateClient().PostAsync("/api/auth/login", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Cors_allows_only_the_configured_dashboard_origin()
    {
        var client = _app.Factory.CreateClient();
        HttpRequestMessage Preflight(string origin)
        {
            var request = new HttpRequestMessage(HttpMethod.Options, "/api/me");
            request.Headers.Add("Origin", origin);
            request.Headers.Add("Access-Control-Request-Method", "GET");
            request.Headers.Add("Access-Control-Request-Headers", "authorization");
            return request;
        }

        var allowed = await client.SendAsync(Preflight("https://dashboard.example.com"));
        var denied = await client.SendAsync(Preflight("https://evil.example.net"));

        Assert.Equal("https://dashboard.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("true", allowed.Headers.GetValues("Access-Control-Allow-Credentials").Single());
        Assert.False(denied.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
