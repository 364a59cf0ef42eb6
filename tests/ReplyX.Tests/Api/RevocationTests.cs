using System.Net;
using System.Net.Http.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>
/// A well-signed, unexpired access token stops working the moment its user is blocked, demoted, removed,
/// signs out, or a stolen refresh token of theirs is replayed (one node; across nodes: RevocationAcrossNodesTests).
/// </summary>
public sealed class RevocationTests(MemoryApp app) : IClassFixture<MemoryApp>
{
    private const string Password = "correct horse battery";

    private HttpClient NewClient() => app.Factory.CreateClient(new() { HandleCookies = true, BaseAddress = new Uri("https://localhost") });

    private static async Task<(string Token, Guid UserId)> Register(HttpClient client)
    {
        var (token, userId, _, _) = await SignUp(client);
        return (token, userId);
    }

    private static async Task<(string Token, Guid UserId, string Refresh, string Csrf)> SignUp(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/api/auth/register", new { email = $"rev.{Guid.NewGuid():N}@example.com", password = Password, name = "Rev" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.JsonBody();
        return (body.GetProperty("accessToken").GetString()!, body.GetProperty("user").GetProperty("id").GetGuid(),
            HttpTestExtensions.Cookie(response, "replyx_refresh")!, HttpTestExtensions.Cookie(response, "replyx_csrf")!);
    }

    private async Task<string> Admin()
    {
        var response = await NewClient().PostAsJsonAsync("/api/auth/login", new { email = "root@replyx.test", password = "admin password for tests" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonBody()).GetProperty("accessToken").GetString()!;
    }

    private static async Task AssertRefused(HttpClient client, HttpMethod method, string path, string token, object? body = null)
    {
        var response = await client.SendAs(method, path, token, body);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Logout_ends_the_access_token_at_once()
    {
        var client = NewClient();
        var (token, _) = await Register(client);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Get, "/api/assistants", token)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAs(HttpMethod.Post, "/api/auth/logout", token)).StatusCode);

        await AssertRefused(client, HttpMethod.Get, "/api/assistants", token);
        await AssertRefused(client, HttpMethod.Post, "/api/assistants", token, new { name = "after logout", systemPrompt = "x" });
    }

    [Fact]
    public async Task Blocking_a_user_ends_their_access_token_and_unblocking_does_not_bring_it_back()
    {
        var client = NewClient();
        var (token, userId) = await Register(client);
        var admin = await Admin();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Get, "/api/me", token)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Patch, $"/api/admin/users/{userId}", admin, new { blocked = true })).StatusCode);
        await AssertRefused(client, HttpMethod.Get, "/api/assistants", token);
        await AssertRefused(client, HttpMethod.Post, "/api/account/operators", token, new { email = $"op.{Guid.NewGuid():N}@example.com", name = "Op", password = Password });

        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Patch, $"/api/admin/users/{userId}", admin, new { blocked = false })).StatusCode);
        await AssertRefused(client, HttpMethod.Get, "/api/assistants", token);
    }

    [Fact]
    public async Task A_demoted_owner_loses_owner_routes_at_once_and_a_new_sign_in_is_an_operator()
    {
        var client = NewClient();
        var (token, userId, refresh, csrf) = await SignUp(client);
        var admin = await Admin();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Get, "/api/account/operators", token)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Patch, $"/api/admin/users/{userId}", admin, new { role = "operator" })).StatusCode);

        await AssertRefused(client, HttpMethod.Get, "/api/account/operators", token);
        var refreshed = await client.SendAsync(HttpTestExtensions.RefreshRequest(refresh, csrf, csrf));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var operatorToken = (await refreshed.JsonBody()).GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAs(HttpMethod.Get, "/api/account/operators", operatorToken)).StatusCode);
    }

    [Fact]
    public async Task A_removed_operators_token_is_refused()
    {
        var client = NewClient();
        var (owner, _) = await Register(client);
        var email = $"op.{Guid.NewGuid():N}@example.com";
        var invited = await client.SendAs(HttpMethod.Post, "/api/account/operators", owner, new { email, name = "Op", password = Password });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var operatorId = (await invited.JsonBody()).GetProperty("id").GetGuid();
        var login = await NewClient().PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        var operatorToken = (await login.JsonBody()).GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Get, "/api/me", operatorToken)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await client.SendAs(HttpMethod.Delete, $"/api/account/operators/{operatorId}", owner)).StatusCode);

        await AssertRefused(client, HttpMethod.Get, "/api/assistants", operatorToken);
    }

    [Fact]
    public async Task A_replayed_refresh_token_ends_the_access_token_issued_to_the_thief()
    {
        var client = app.Factory.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri("https://localhost") });
        var (_, _, stolen, csrf) = await SignUp(client);
        var thief = await client.SendAsync(HttpTestExtensions.RefreshRequest(stolen, csrf, csrf));
        Assert.Equal(HttpStatusCode.OK, thief.StatusCode);
        var thiefToken = (await thief.JsonBody()).GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await client.SendAs(HttpMethod.Get, "/api/me", thiefToken)).StatusCode);

        // The victim's copy of the same refresh token comes back: the sign-in is revoked, and the thief's access with it.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpTestExtensions.RefreshRequest(stolen, csrf, csrf))).StatusCode);

        await AssertRefused(client, HttpMethod.Get, "/api/me", thiefToken);
    }
}
