using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;
using ReplyX.Fakes;

namespace ReplyX.Tests.Api;

/// <summary>A host for one test class; with PostgreSQL when <paramref name="postgres"/> is set.</summary>
public abstract class AppFixture(bool postgres) : IAsyncLifetime
{
    public ReplyXAppFactory Factory { get; private set; } = null!;
    public FakeOpenAi Fake { get; private set; } = null!;
    public FakeYooKassa YooKassa { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Fake = await FakeOpenAi.StartAsync();
        YooKassa = await FakeYooKassa.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["RateLimits:AuthPerMinute"] = "1000",
            // Tests of a contract make many calls as one user; the per-user limit has its own tests (AbuseProtectionTests).
            ["RateLimits:UserPerMinute"] = "100000",
            ["Admin:Email"] = "root@replyx.test",
            ["Admin:Password"] = "admin password for tests",
            // As the embedded default's appsettings.json: a newcomer can try the assistant at once.
            ["Billing:WelcomeCredit"] = "10",
            ["Billing:ReferralBonus"] = "50",
            ["Billing:YooKassa:ShopId"] = YooKassa.ShopId,
            ["Billing:YooKassa:SecretKey"] = YooKassa.SecretKey,
            ["Billing:YooKassa:BaseUrl"] = YooKassa.BaseUrl,
            ["Billing:YooKassa:ReturnUrl"] = "https://replyx.test/balance?topup=done",
            ["Billing:YooKassa:MaxTopUp"] = "100000",
        };
        if (postgres)
        {
            settings["Storage:Provider"] = "Postgres";
            settings["ConnectionStrings:Postgres"] = await TestServers.CreateDatabaseAsync("auth");
        }
        Factory = new ReplyXAppFactory(settings);
        Factory.CreateClient().Dispose();
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Fake.DisposeAsync();
        await YooKassa.DisposeAsync();
    }
}

public sealed class MemoryApp() : AppFixture(postgres: false);

public sealed class PostgresApp() : AppFixture(postgres: true);

public sealed class InMemoryAuthTests(MemoryApp app) : AuthContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuthTests(PostgresApp app) : AuthContract(app), IClassFixture<PostgresApp>;

/// <summary>Register, login, refresh rotation, logout and /api/me through the real HTTP pipeline, on each store.</summary>
public abstract class AuthContract(AppFixture app)
{
    private readonly AppFixture _app = app;

    private HttpClient NewClient() => _app.Factory.CreateClient(new() { HandleCookies = true, BaseAddress = new Uri("https://localhost") });

    private static string NewEmail() => $"user.{Guid.NewGuid():N}@Example.com";

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static async Task<(HttpResponseMessage Response, JsonElement Body)> Register(HttpClient client, string email, string password = "correct horse battery")
    {
        var response = await client.PostAsJsonAsync("/api/auth/register", new { email, password, name = "Анна Петрова" });
        return (response, await Json(response));
    }

    [Fact]
    public async Task Register_creates_an_owner_with_an_account_and_signs_in()
    {
        var client = NewClient();
        var email = NewEmail();

        var (response, body) = await Register(client, email);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("owner", body.GetProperty("user").GetProperty("role").GetString());
        Assert.Equal(email, body.GetProperty("user").GetProperty("email").GetString());
        Assert.NotEqual(Guid.Empty, body.GetProperty("user").GetProperty("account").GetProperty("id").GetGuid());
        var setCookies = string.Join("\n", response.Headers.GetValues("Set-Cookie"));
        Assert.Matches("replyx_refresh=[^;]+; expires=[^;]+; path=/api/auth; samesite=strict; httponly", setCookies);
        Assert.Contains("replyx_csrf=", setCookies);

        var me = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        me.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
        var meResponse = await client.SendAsync(me);
        Assert.Equal(HttpStatusCode.OK, meResponse.StatusCode);
        Assert.Equal(body.GetProperty("user").GetProperty("id").GetGuid(), (await Json(meResponse)).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_same_email_in_another_case_is_a_conflict()
    {
        var email = NewEmail();
        await Register(NewClient(), email);

        var (response, body) = await Register(NewClient(), email.ToUpperInvariant());

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty("email", out _));
    }

    [Theory]
    [InlineData("short1", "password")]
    [InlineData("1234567890", "password")]
    [InlineData("aaaaaaaaaaaa", "password")]
    [InlineData("correct horse battery", "email")]
    public async Task Weak_passwords_and_bad_emails_are_field_errors(string password, string field)
    {
        var email = field == "email" ? "not-an-email" : NewEmail();

        var (response, body) = await Register(NewClient(), email, password);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task Wrong_password_is_401_and_repeated_failures_lock_the_login_with_retry_after()
    {
        var email = NewEmail();
        await Register(NewClient(), email);
        var client = NewClient();

        HttpResponseMessage response = null!;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            response = await client.PostAsJsonAsync("/api/auth/login", new { email, password = "wrong password " + i });
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(int.Parse(response.Headers.GetValues("Retry-After").Single()) > 0);
        // Even the right password waits out the lockout.
        var correct = await client.PostAsJsonAsync("/api/auth/login", new { email, password = "correct horse battery" });
        Assert.Equal(HttpStatusCode.TooManyRequests, correct.StatusCode);
    }

    [Fact]
    public async Task Login_is_case_insensitive_and_unknown_email_looks_like_a_wrong_password()
    {
        var email = NewEmail();
        await Register(NewClient(), email);

        var ok = await NewClient().PostAsJsonAsync("/api/auth/login", new { email = email.ToLowerInvariant(), password = "correct horse battery" });
        var unknown = await NewClient().PostAsJsonAsync("/api/auth/login", new { email = NewEmail(), password = "correct horse battery" });

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("Email or password is incorrect.", (await Json(unknown)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task Refresh_rotates_the_token_and_a_replayed_token_revokes_the_family()
    {
        var client = _app.Factory.CreateClient(new() { HandleCookies = false });
        var (registered, _) = await Register(client, NewEmail());
        var first = HttpTestExtensions.Cookie(registered, "replyx_refresh")!;
        var csrf = HttpTestExtensions.Cookie(registered, "replyx_csrf")!;

        var rotated = await client.SendAsync(HttpTestExtensions.RefreshRequest(first, csrf, csrf));
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.False(string.IsNullOrEmpty((await Json(rotated)).GetProperty("accessToken").GetString()));
        var second = HttpTestExtensions.Cookie(rotated, "replyx_refresh")!;
        var secondCsrf = HttpTestExtensions.Cookie(rotated, "replyx_csrf")!;
        Assert.NotEqual(first, second);

        // The first token comes back (stolen copy): refused, and the whole family dies with it.
        var replay = await client.SendAsync(HttpTestExtensions.RefreshRequest(first, csrf, csrf));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("already used", (await Json(replay)).GetProperty("title").GetString());

        var afterTheft = await client.SendAsync(HttpTestExtensions.RefreshRequest(second, secondCsrf, secondCsrf));
        Assert.Equal(HttpStatusCode.Unauthorized, afterTheft.StatusCode);
    }

    [Fact]
    public async Task Refresh_needs_the_matching_csrf_header()
    {
        var client = _app.Factory.CreateClient(new() { HandleCookies = false });
        var (registered, _) = await Register(client, NewEmail());
        var refresh = HttpTestExtensions.Cookie(registered, "replyx_refresh")!;
        var csrf = HttpTestExtensions.Cookie(registered, "replyx_csrf")!;

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(HttpTestExtensions.RefreshRequest(refresh, csrf, null))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(HttpTestExtensions.RefreshRequest(refresh, csrf, "forged"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpTestExtensions.RefreshRequest(null, csrf, csrf))).StatusCode);
        // The token was not consumed by the refused attempts.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpTestExtensions.RefreshRequest(refresh, csrf, csrf))).StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_refresh_token()
    {
        var client = _app.Factory.CreateClient(new() { HandleCookies = false });
        var (registered, body) = await Register(client, NewEmail());
        var refresh = HttpTestExtensions.Cookie(registered, "replyx_refresh")!;
        var csrf = HttpTestExtensions.Cookie(registered, "replyx_csrf")!;

        var logout = HttpTestExtensions.RefreshRequest(refresh, csrf, csrf);
        logout.RequestUri = new Uri("/api/auth/logout", UriKind.Relative);
        logout.Headers.Authorization = new AuthenticationHeaderValue("Bearer", body.GetProperty("accessToken").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAsync(logout)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpTestExtensions.RefreshRequest(refresh, csrf, csrf))).StatusCode);
    }

    [Fact]
    public async Task Me_without_or_with_a_forged_token_is_401()
    {
        var client = NewClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/me")).StatusCode);

        var forged = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDAifQ.c2lnbmF0dXJl");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(forged)).StatusCode);
    }

    [Theory]
    [InlineData("/api/auth/register", "{\"email\":", "application/json", 400)]
    [InlineData("/api/auth/register", "[1,2,3]", "application/json", 400)]
    [InlineData("/api/auth/register", "{\"email\":5,\"password\":true}", "application/json", 400)]
    [InlineData("/api/auth/register", "email=a", "application/x-www-form-urlencoded", 415)]
    [InlineData("/api/auth/register", "", "application/json", 400)]
    [InlineData("/api/auth/login", "null", "application/json", 400)]
    [InlineData("/api/auth/login", "{\"email\":\"a@b.c\",\"password\":\"OVERLONG\"}", "application/json", 400)]
    public async Task Malformed_requests_are_4xx_problems_never_500(string path, string body, string contentType, int expected)
    {
        body = body.Replace("OVERLONG", new string('x', 10_000));
        var response = await NewClient().PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(expected, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
