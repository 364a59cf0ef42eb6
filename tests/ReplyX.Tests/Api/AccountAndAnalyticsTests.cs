using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class InMemoryAccountAndAnalyticsTests(MemoryApp app) : AccountAndAnalyticsContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAccountAndAnalyticsTests(PostgresApp app) : AccountAndAnalyticsContract(app), IClassFixture<PostgresApp>;

/// <summary>
/// The owner's account settings, password change and usage report, and the admin's analytics overview, through HTTP
/// on each store. Each class has its own host and database, so the day's counts move by exactly what a test does.
/// </summary>
public abstract class AccountAndAnalyticsContract(AppFixture app)
{
    private const string Shop = "https://shop.example.com";
    private const string Password = "correct horse battery";
    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null, string? origin = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return _client.SendAsync(request);
    }

    private async Task<string> Admin() => (await (await _client.PostAsJsonAsync("/api/auth/login",
        new { email = "root@replyx.test", password = "admin password for tests" })).JsonBody()).GetProperty("accessToken").GetString()!;

    private static string Today => DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd");

    private async Task<(string Token, string Email, Guid AssistantId)> Tenant()
    {
        var email = $"usage.{Guid.NewGuid():N}@example.com";
        var registered = await (await _client.PostAsJsonAsync("/api/auth/register", new { email, password = Password, name = "Owner" })).JsonBody();
        var token = registered.GetProperty("accessToken").GetString()!;
        var model = "usage-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", await Admin(),
            new { provider = "custom", apiKey = "sk-usage-" + Guid.NewGuid().ToString("N"), baseUrl = app.Fake.BaseUrl, models = new[] { model }, priority = 1 })).StatusCode);
        var assistant = await Send(HttpMethod.Post, "/api/assistants", token, new
        {
            name = "Usage",
            systemPrompt = "Be brief.",
            model,
            widget = new { allowedOrigins = new[] { Shop }, greeting = "Hi!", color = "#1e88e5", position = "bottom-right" },
        });
        Assert.Equal(HttpStatusCode.Created, assistant.StatusCode);
        return (token, email, (await assistant.JsonBody()).GetProperty("id").GetGuid());
    }

    /// <summary>A widget dialog: the visitor asks twice and is answered twice, then the owner takes over and replies once.</summary>
    private async Task<Guid> Conversation(string owner, Guid assistantId)
    {
        var opened = await (await Send(HttpMethod.Post, $"/api/widget/{assistantId}/sessions", null, new { }, Shop)).JsonBody();
        var dialog = opened.GetProperty("dialogId").GetGuid();
        var session = opened.GetProperty("sessionToken").GetString()!;
        foreach (var text in new[] { "Where is my order?", "And the invoice?" })
        {
            Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialog}/messages", session, new { text }, Shop)).StatusCode);
            await Until(async () => (await Messages(dialog, session)).Count(m => m == "assistant") == (text.StartsWith("Where") ? 1 : 2));
        }
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/dialogs/{dialog}/takeover", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, $"/api/dialogs/{dialog}/messages", owner, new { text = "I will check it." })).StatusCode);
        await Until(async () => (await Messages(dialog, session)).Contains("operator"));
        return dialog;
    }

    private async Task<string[]> Messages(Guid dialog, string session) =>
        (await (await Send(HttpMethod.Get, $"/api/widget/dialogs/{dialog}/messages", session, origin: Shop)).JsonBody())
            .GetProperty("items").EnumerateArray().Select(m => m.GetProperty("author").GetString()!).ToArray();

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(50);
        }
    }

    private static JsonElement Day(JsonElement report, string day) =>
        Assert.Single(report.GetProperty("days").EnumerateArray(), d => d.GetProperty("day").GetString() == day);

    [Fact]
    public async Task An_owner_renames_the_account_and_a_bad_name_is_a_field_error()
    {
        var (owner, _, _) = await Tenant();

        var renamed = await Send(HttpMethod.Patch, "/api/account", owner, new { name = "  Цветочная лавка  " });

        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("Цветочная лавка", (await renamed.JsonBody()).GetProperty("name").GetString());
        Assert.Equal("Цветочная лавка", (await (await Send(HttpMethod.Get, "/api/account", owner)).JsonBody()).GetProperty("name").GetString());
        Assert.Equal("Цветочная лавка", (await (await Send(HttpMethod.Get, "/api/me", owner)).JsonBody()).GetProperty("account").GetProperty("name").GetString());
        var empty = await Send(HttpMethod.Patch, "/api/account", owner, new { name = " " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.True((await empty.JsonBody()).GetProperty("errors").TryGetProperty("name", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Patch, "/api/account", owner, new { name = "two\nlines" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Patch, "/api/account", await Admin(), new { name = "Not mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/account", null)).StatusCode);
    }

    [Fact]
    public async Task A_password_change_needs_the_current_password_ends_the_other_sessions_and_signs_this_one_in_afresh()
    {
        var (owner, email, _) = await Tenant();
        var otherDevice = await (await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password })).JsonBody();
        var otherRefresh = HttpTestExtensions.Cookie(await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password }), "replyx_refresh");
        Assert.NotNull(otherRefresh);

        var wrong = await Send(HttpMethod.Post, "/api/auth/password", owner, new { currentPassword = "not my password", newPassword = "a new long passphrase" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.True((await wrong.JsonBody()).GetProperty("errors").TryGetProperty("currentPassword", out _));
        var weak = await Send(HttpMethod.Post, "/api/auth/password", owner, new { currentPassword = Password, newPassword = "short" });
        Assert.True((await weak.JsonBody()).GetProperty("errors").TryGetProperty("newPassword", out _));

        var changed = await Send(HttpMethod.Post, "/api/auth/password", owner, new { currentPassword = Password, newPassword = "a new long passphrase" });

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var fresh = (await changed.JsonBody()).GetProperty("accessToken").GetString()!;
        Assert.NotNull(HttpTestExtensions.Cookie(changed, "replyx_refresh"));
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/me", fresh)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/me", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/me", otherDevice.GetProperty("accessToken").GetString())).StatusCode);
        var refresh = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        refresh.Headers.Add("Cookie", $"replyx_refresh={otherRefresh}; replyx_csrf=x");
        refresh.Headers.Add("X-CSRF-Token", "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(refresh)).StatusCode); // the other device's refresh token is revoked
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/api/auth/login", new { email, password = "a new long passphrase" })).StatusCode);
        var audit = await (await Send(HttpMethod.Get, "/api/admin/audit?action=user.password_changed", await Admin())).JsonBody();
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.GetProperty("target").GetString() == email);
    }

    [Fact]
    public async Task The_owners_usage_counts_the_days_dialogs_messages_by_author_tokens_and_spend_per_assistant_and_channel_and_only_its_own()
    {
        var (owner, _, assistant) = await Tenant();
        var (stranger, _, _) = await Tenant();

        await Conversation(owner, assistant);
        var usage = await (await Send(HttpMethod.Get, "/api/account/usage", owner)).JsonBody();

        Assert.Equal(30, usage.GetProperty("days").GetArrayLength()); // the last 30 days, quiet ones included
        Assert.Equal(Today, usage.GetProperty("to").GetString());
        var today = Day(usage, Today);
        Assert.Equal((1, 2, 2, 1), (today.GetProperty("newDialogs").GetInt64(), today.GetProperty("customerMessages").GetInt64(),
            today.GetProperty("aiReplies").GetInt64(), today.GetProperty("operatorMessages").GetInt64()));
        Assert.True(today.GetProperty("promptTokens").GetInt64() > 0);
        Assert.True(today.GetProperty("completionTokens").GetInt64() > 0);
        Assert.Equal("0.002000", today.GetProperty("spend").GetString()); // two AI replies at 0.001 ₽
        var slice = Assert.Single(usage.GetProperty("slices").EnumerateArray());
        Assert.Equal((assistant, "widget", 1L, 2L, 2L, 1L), (slice.GetProperty("assistantId").GetGuid(), slice.GetProperty("channel").GetString(),
            slice.GetProperty("newDialogs").GetInt64(), slice.GetProperty("customerMessages").GetInt64(), slice.GetProperty("aiReplies").GetInt64(),
            slice.GetProperty("operatorMessages").GetInt64()));

        var theirs = await (await Send(HttpMethod.Get, "/api/account/usage", stranger)).JsonBody();
        Assert.Equal(0, Day(theirs, Today).GetProperty("customerMessages").GetInt64());
        Assert.Empty(theirs.GetProperty("slices").EnumerateArray());

        var week = await (await Send(HttpMethod.Get, $"/api/account/usage?from={DateTime.UtcNow.AddDays(-6):yyyy-MM-dd}&to={Today}", owner)).JsonBody();
        Assert.Equal(7, week.GetProperty("days").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, $"/api/account/usage?from={Today}&to=2000-01-01", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/account/usage?from=2000-01-01", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/account/usage?from=yesterday", owner)).StatusCode);
    }

    [Fact]
    public async Task The_admins_overview_counts_new_accounts_users_dialogs_messages_tokens_and_revenue_per_day()
    {
        var admin = await Admin();
        var before = await (await Send(HttpMethod.Get, "/api/admin/analytics/overview", admin)).JsonBody();

        var (owner, _, assistant) = await Tenant();
        await Conversation(owner, assistant);
        var payment = await (await Send(HttpMethod.Post, "/api/balance/topup", owner, new { amount = "500" })).JsonBody();
        var paymentId = payment.GetProperty("paymentId").GetString()!;
        await app.YooKassa.Succeed(paymentId, notifyTwice: false);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/api/payments/yookassa/webhook",
            new StringContent(app.YooKassa.PaymentNotification("payment.succeeded", paymentId), System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var after = await (await Send(HttpMethod.Get, "/api/admin/analytics/overview", admin)).JsonBody();

        long Delta(string field) => Day(after, Today).GetProperty(field).GetInt64() - Day(before, Today).GetProperty(field).GetInt64();
        long Total(JsonElement report, string field) => report.GetProperty("totals").GetProperty(field).GetInt64();
        Assert.Equal((1, 1, 1, 2, 2, 1), (Delta("newAccounts"), Delta("newUsers"), Delta("newDialogs"), Delta("customerMessages"), Delta("aiReplies"), Delta("operatorMessages")));
        Assert.True(Delta("promptTokens") > 0);
        Assert.Equal(500m, decimal.Parse(Day(after, Today).GetProperty("revenue").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            - decimal.Parse(Day(before, Today).GetProperty("revenue").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal((1, 1, 1, 5), (Total(after, "accounts") - Total(before, "accounts"), Total(after, "users") - Total(before, "users"),
            Total(after, "dialogs") - Total(before, "dialogs"), Total(after, "messages") - Total(before, "messages")));
        Assert.Equal("RUB", after.GetProperty("currency").GetString());
        var me = await (await Send(HttpMethod.Get, "/api/me", owner)).JsonBody();
        var account = me.GetProperty("account").GetProperty("id").GetGuid();
        var seenByAdmin = await (await Send(HttpMethod.Get, $"/api/admin/accounts/{account}/usage", admin)).JsonBody();
        var seenByOwner = await (await Send(HttpMethod.Get, "/api/account/usage", owner)).JsonBody();
        Assert.Equal(seenByOwner.GetRawText(), seenByAdmin.GetRawText());
        Assert.Equal(2, Day(seenByAdmin, Today).GetProperty("aiReplies").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/admin/accounts/{Guid.NewGuid()}/usage", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/analytics/overview?to=nope", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/admin/analytics/overview", owner)).StatusCode);
    }
}
