using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class InMemoryOperatorsAndTenancyTests(MemoryApp app) : OperatorsAndTenancyContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOperatorsAndTenancyTests(PostgresApp app) : OperatorsAndTenancyContract(app), IClassFixture<PostgresApp>;

/// <summary>Owners manage their own operators; nothing of one account is reachable from another.</summary>
public abstract class OperatorsAndTenancyContract(AppFixture app)
{
    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private const string Password = "correct horse battery";

    private async Task<string> RegisterOwner()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = $"owner.{Guid.NewGuid():N}@example.com", password = Password, name = "Owner" });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
    }

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string token, object? body = null) => _client.SendAs(method, path, token, body);

    private async Task<Guid> Invite(string ownerToken, string email)
    {
        var response = await Send(HttpMethod.Post, "/api/account/operators", ownerToken, new { email, name = "Оператор", password = Password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Owner_invites_lists_and_removes_operators_who_can_sign_in_as_operators()
    {
        var owner = await RegisterOwner();
        var email = $"op.{Guid.NewGuid():N}@example.com";
        var id = await Invite(owner, email);

        var list = JsonDocument.Parse(await (await Send(HttpMethod.Get, "/api/account/operators", owner)).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(list.EnumerateArray(), u => u.GetProperty("id").GetGuid() == id && u.GetProperty("role").GetString() == "operator");
        Assert.Contains(list.EnumerateArray(), u => u.GetProperty("role").GetString() == "owner");

        var login = await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var opToken = JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Get, "/api/account/operators", opToken)).StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/api/account/operators", owner, new { email = email.ToUpperInvariant(), name = "X", password = Password })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/account/operators/{id}", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/api/account/operators/{id}", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password })).StatusCode);
    }

    [Fact]
    public async Task Another_account_cannot_see_or_remove_operators()
    {
        var ownerA = await RegisterOwner();
        var ownerB = await RegisterOwner();
        var opA = await Invite(ownerA, $"op.{Guid.NewGuid():N}@example.com");

        var listB = JsonDocument.Parse(await (await Send(HttpMethod.Get, "/api/account/operators", ownerB)).Content.ReadAsStringAsync()).RootElement;
        Assert.DoesNotContain(listB.EnumerateArray(), u => u.GetProperty("id").GetGuid() == opA);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/api/account/operators/{opA}", ownerB)).StatusCode);

        var listA = JsonDocument.Parse(await (await Send(HttpMethod.Get, "/api/account/operators", ownerA)).Content.ReadAsStringAsync()).RootElement;
        Assert.Contains(listA.EnumerateArray(), u => u.GetProperty("id").GetGuid() == opA);
    }

    [Fact]
    public async Task An_owner_cannot_remove_themselves_through_the_operator_endpoint()
    {
        var owner = await RegisterOwner();
        var me = JsonDocument.Parse(await (await Send(HttpMethod.Get, "/api/me", owner)).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/api/account/operators/{me}", owner)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/api/me", owner)).StatusCode);
    }

    [Fact]
    public async Task Responses_carry_security_headers()
    {
        var response = await _client.GetAsync("/");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", response.Headers.GetValues("Referrer-Policy").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }
}
