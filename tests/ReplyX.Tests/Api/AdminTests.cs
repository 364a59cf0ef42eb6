using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class InMemoryAdminTests(MemoryApp app) : AdminContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAdminTests(PostgresApp app) : AdminContract(app), IClassFixture<PostgresApp>;

/// <summary>The configured first admin, user administration and the audit log, through HTTP on each store.</summary>
public abstract class AdminContract(AppFixture app)
{
    private const string Password = "correct horse battery";
    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private static Task<JsonElement> Body(HttpResponseMessage response) => response.JsonBody();

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null, string? userAgent = null) =>
        _client.SendAs(method, path, token, body, userAgent);

    private async Task<string> Login(string email, string password)
    {
        var response = await Send(HttpMethod.Post, "/api/auth/login", null, new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Body(response)).GetProperty("accessToken").GetString()!;
    }

    private Task<string> AdminToken() => Login("ROOT@replyx.test", "admin password for tests");

    private async Task<(string Token, Guid UserId, Guid AccountId, string Email)> RegisterOwner()
    {
        var email = $"owner.{Guid.NewGuid():N}@example.com";
        var response = await Send(HttpMethod.Post, "/api/auth/register", null, new { email, password = Password, name = "Owner" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Body(response);
        var user = body.GetProperty("user");
        return (body.GetProperty("accessToken").GetString()!, user.GetProperty("id").GetGuid(), user.GetProperty("account").GetProperty("id").GetGuid(), email);
    }

    private async Task<JsonElement[]> Audit(string adminToken, string query)
    {
        var response = await Send(HttpMethod.Get, "/api/admin/audit?" + query, adminToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await Body(response)).GetProperty("items").EnumerateArray().ToArray();
    }

    [Fact]
    public async Task The_configured_admin_signs_in_and_pages_through_users()
    {
        var admin = await AdminToken();
        await RegisterOwner();
        await RegisterOwner();

        var me = await Body(await Send(HttpMethod.Get, "/api/me", admin));
        Assert.Equal("admin", me.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("account").ValueKind);

        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await Body(await Send(HttpMethod.Get, "/api/admin/users?limit=2" + (cursor is null ? "" : "&cursor=" + cursor), admin));
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains(me.GetProperty("id").GetGuid(), ids);
        Assert.True(ids.Count >= 3);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/users?cursor=nonsense", admin)).StatusCode);
    }

    [Fact]
    public async Task Admins_search_users_by_email_and_see_each_accounts_balance()
    {
        var admin = await AdminToken();
        var owner = await RegisterOwner();
        await RegisterOwner();

        var found = await Body(await Send(HttpMethod.Get, "/api/admin/users?q=" + Uri.EscapeDataString(owner.Email.ToUpperInvariant()), admin));

        var item = Assert.Single(found.GetProperty("items").EnumerateArray());
        Assert.Equal(owner.UserId, item.GetProperty("id").GetGuid());
        Assert.Equal("10.000000", item.GetProperty("balance").GetString()); // the welcome credit
        var me = Assert.Single((await Body(await Send(HttpMethod.Get, "/api/admin/users?q=ROOT@replyx", admin))).GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("balance").ValueKind); // admins have no account
        Assert.Empty((await Body(await Send(HttpMethod.Get, "/api/admin/users?q=" + Guid.NewGuid(), admin))).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/users?q=" + new string('x', 201), admin)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/users?q=a%00b", admin)).StatusCode);
    }

    [Fact]
    public async Task Owners_and_anonymous_callers_cannot_reach_admin_endpoints()
    {
        var owner = await RegisterOwner();
        foreach (var path in new[] { "/api/admin/users", "/api/admin/audit", "/api/admin/cluster", "/api/admin/analytics/overview", $"/api/admin/accounts/{owner.AccountId}/usage", "/admin/orleans/", "/admin/orleans/ClusterStats" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, path, owner.Token)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, path, null)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Patch, $"/api/admin/users/{owner.UserId}", owner.Token, new { role = "owner" })).StatusCode);
    }

    [Fact]
    public async Task A_blocked_user_cannot_sign_in_or_use_an_old_token_and_it_is_audited()
    {
        var admin = await AdminToken();
        var owner = await RegisterOwner();

        var blocked = await Send(HttpMethod.Patch, $"/api/admin/users/{owner.UserId}", admin, new { blocked = true });
        Assert.Equal(HttpStatusCode.OK, blocked.StatusCode);
        Assert.True((await Body(blocked)).GetProperty("blocked").GetBoolean());

        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, "/api/auth/login", null, new { email = owner.Email, password = Password })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/me", owner.Token)).StatusCode);
        var entries = await Audit(admin, $"accountId={owner.AccountId}&action=user.blocked");
        Assert.Single(entries);

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Patch, $"/api/admin/users/{owner.UserId}", admin, new { blocked = false })).StatusCode);
        await Login(owner.Email, Password);
    }

    [Fact]
    public async Task Role_changes_are_validated_and_audited()
    {
        var admin = await AdminToken();
        var owner = await RegisterOwner();
        var opEmail = $"op.{Guid.NewGuid():N}@example.com";
        var invited = await Send(HttpMethod.Post, "/api/account/operators", owner.Token, new { email = opEmail, name = "Op", password = Password });
        var opId = (await Body(invited)).GetProperty("id").GetGuid();
        var adminId = (await Body(await Send(HttpMethod.Get, "/api/me", admin))).GetProperty("id").GetGuid();

        var promoted = await Send(HttpMethod.Patch, $"/api/admin/users/{opId}", admin, new { role = "owner" });
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal("owner", (await Body(promoted)).GetProperty("role").GetString());
        var newOwnerToken = await Login(opEmail, Password);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/account/operators", newOwnerToken)).StatusCode);

        var change = Assert.Single(await Audit(admin, $"accountId={owner.AccountId}&action=user.role_changed"));
        Assert.Equal("operator -> owner", change.GetProperty("details").GetString());
        Assert.Equal(adminId, change.GetProperty("actorUserId").GetGuid());
        Assert.Single(await Audit(admin, $"accountId={owner.AccountId}&action=operator.invited"));

        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Patch, $"/api/admin/users/{opId}", admin, new { role = "admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Patch, $"/api/admin/users/{opId}", admin, new { })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Patch, $"/api/admin/users/{adminId}", admin, new { role = "owner" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Patch, $"/api/admin/users/{adminId}", admin, new { blocked = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Patch, $"/api/admin/users/{Guid.NewGuid()}", admin, new { blocked = true })).StatusCode);
    }

    [Fact]
    public async Task Sign_ins_are_audited_with_the_user_agent_newest_first()
    {
        var admin = await AdminToken();
        var owner = await RegisterOwner();
        await Send(HttpMethod.Post, "/api/auth/login", null, new { email = owner.Email, password = "wrong password!" }, userAgent: "ReplyX-Test/1.0");
        await Send(HttpMethod.Post, "/api/auth/login", null, new { email = owner.Email, password = Password }, userAgent: "ReplyX-Test/1.0");

        var entries = await Audit(admin, $"actorId={owner.UserId}");

        Assert.Equal(["login.succeeded", "login.failed", "user.registered"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.Equal("ReplyX-Test/1.0", entries[0].GetProperty("userAgent").GetString());
        Assert.Equal(owner.Email, entries[0].GetProperty("target").GetString());

        var first = await Body(await Send(HttpMethod.Get, $"/api/admin/audit?actorId={owner.UserId}&limit=1", admin));
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await Body(await Send(HttpMethod.Get, $"/api/admin/audit?actorId={owner.UserId}&limit=1&cursor={cursor}", admin));
        Assert.Equal("login.failed", second.GetProperty("items")[0].GetProperty("action").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/audit?cursor=12_nope", admin)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Get, "/api/admin/audit?from=yesterday", admin)).StatusCode);
    }

    [Fact]
    public async Task The_cluster_view_shows_the_silo_with_its_uptime_activations_per_grain_type_cpu_memory_and_a_message_rate_from_the_second_look()
    {
        var admin = await AdminToken(); // signing in activates grains (identity, login throttle, …)

        var first = await Body(await Send(HttpMethod.Get, "/api/admin/cluster", admin));
        await RegisterOwner(); // messages between the two looks
        var second = await Body(await Send(HttpMethod.Get, "/api/admin/cluster", admin));

        Assert.Equal(1, second.GetProperty("activeSilos").GetInt32());
        var silo = Assert.Single(second.GetProperty("silos").EnumerateArray());
        Assert.Equal("Active", silo.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(silo.GetProperty("address").GetString()));
        Assert.True(silo.GetProperty("uptimeSeconds").GetDouble() >= 0);
        Assert.True(silo.GetProperty("startedAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        var byType = silo.GetProperty("activationsByType").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.True(byType.GetValueOrDefault("IdentityGrain") >= 1, string.Join(", ", byType.Keys));
        Assert.Equal(silo.GetProperty("activations").GetInt32(), second.GetProperty("activations").GetInt32());
        Assert.True(silo.GetProperty("activations").GetInt32() >= byType.Values.Sum() - byType.Count); // system targets are counted apart
        Assert.True(silo.GetProperty("memoryBytes").GetInt64() > 0);
        Assert.Equal(JsonValueKind.Number, silo.GetProperty("cpuPercent").ValueKind);
        // The rate needs two looks: this host's first has none, the second a rate. (Orleans counts the messages a silo
        // receives from other processes, so this single in-process host may well show 0.)
        Assert.Equal(JsonValueKind.Null, Assert.Single(first.GetProperty("silos").EnumerateArray()).GetProperty("messagesPerSecond").ValueKind);
        Assert.True(silo.GetProperty("messagesPerSecond").GetDouble() >= 0);
    }

    private async Task<HttpResponseMessage> WithCookie(string path, string? cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", "replyx_dashboard=" + cookie);
        }
        return await _client.SendAsync(request);
    }

    private async Task<string> DashboardCookie(string token)
    {
        var started = await Send(HttpMethod.Post, "/api/auth/dashboard-session", token);
        Assert.Equal(HttpStatusCode.NoContent, started.StatusCode);
        var header = Assert.Single(started.Headers.GetValues("Set-Cookie"), c => c.StartsWith("replyx_dashboard=", StringComparison.Ordinal));
        Assert.Contains("path=/admin/orleans", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", header, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", header, StringComparison.OrdinalIgnoreCase);
        return HttpTestExtensions.Cookie(started, "replyx_dashboard")!;
    }

    [Fact]
    public async Task The_orleans_dashboard_opens_for_an_admin_through_its_cookie_and_refuses_everyone_else()
    {
        var admin = await AdminToken();
        var owner = await RegisterOwner();

        var page = await Send(HttpMethod.Get, "/admin/orleans/", admin);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var adminCookie = await DashboardCookie(admin);
        var stats = await WithCookie("/admin/orleans/ClusterStats", adminCookie);
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        Assert.Equal("application/json", stats.Content.Headers.ContentType?.MediaType);
        var counters = await Body(await WithCookie("/admin/orleans/DashboardCounters", adminCookie));
        Assert.True(counters.GetProperty("totalActiveHostCount").GetInt32() >= 1);
        Assert.Equal(HttpStatusCode.OK, (await WithCookie("/admin/orleans/index.min.js", adminCookie)).StatusCode);

        // A signed-in owner may hold the cookie, and the dashboard says 403; the cookie is no key to the API.
        var ownerCookie = await DashboardCookie(owner.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await WithCookie("/admin/orleans/", ownerCookie)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await WithCookie("/admin/orleans/DashboardCounters", ownerCookie)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie("/admin/orleans/DashboardCounters", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie("/admin/orleans/DashboardCounters", "forged.token.value")).StatusCode);
        var api = new HttpRequestMessage(HttpMethod.Get, "/api/admin/users");
        api.Headers.Add("Cookie", "replyx_dashboard=" + adminCookie);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(api)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, "/api/auth/dashboard-session", null)).StatusCode);

        // Blocking the admin-cookie's owner ends it, as it ends their bearer tokens.
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Patch, $"/api/admin/users/{owner.UserId}", admin, new { blocked = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WithCookie("/admin/orleans/", ownerCookie)).StatusCode);
    }
}
