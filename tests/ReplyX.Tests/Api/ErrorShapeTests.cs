using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>One error shape (problem+json, traceId, the security headers), body limits by payload, and what the operations surface gives away.</summary>
public sealed class ErrorShapeTests(MemoryApp app) : IClassFixture<MemoryApp>
{
    private const string Password = "correct horse battery";

    private HttpClient Client() => app.Factory.CreateClient(new() { HandleCookies = false });

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.True((await response.JsonBody()).TryGetProperty("traceId", out _), "a problem carries its traceId");
    }

    [Fact]
    public async Task A_duplicate_email_is_a_409_problem()
    {
        var client = Client();
        var email = $"dup.{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/auth/register", new { email, password = Password, name = "A" })).StatusCode);

        var again = await client.PostAsJsonAsync("/api/auth/register", new { email, password = Password, name = "A" });

        await AssertProblem(again, HttpStatusCode.Conflict);
        Assert.Equal("This email is already registered.", (await again.JsonBody()).GetProperty("errors").GetProperty("email")[0].GetString());
    }

    [Fact]
    public async Task Malformed_json_on_login_is_a_400_problem_with_the_security_headers()
    {
        var response = await Client().PostAsync("/api/auth/login", new StringContent("{\"email\":", Encoding.UTF8, "application/json"));

        await AssertProblem(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("klingon")]
    [InlineData("\"x-unknown\"")]
    public async Task An_unknown_charset_is_a_415_problem(string charset)
    {
        var content = new StringContent("{\"email\":\"a@example.com\",\"password\":\"x\"}");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"application/json; charset={charset}");

        var response = await Client().PostAsync("/api/auth/login", content);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
    }

    /// <summary>A body sent without a length (chunked on the wire), as a client streaming it would.</summary>
    private static HttpContent Unsized(int payloadBytes)
    {
        const string prefix = "{\"email\":\"a@example.com\",\"password\":\"";
        var json = prefix + new string('p', payloadBytes - prefix.Length - 2) + "\"}";
        Assert.Equal(payloadBytes, Encoding.UTF8.GetByteCount(json));
        return new ChunkedContent(json);
    }

    [Fact]
    public async Task A_body_without_a_length_is_measured_by_its_payload()
    {
        var client = Client();

        var under = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = Unsized(1_041_500) });
        var over = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = Unsized(1024 * 1024 + 1) });

        // Under the cap the body is read and judged (the password is too long), over it the body is refused.
        await AssertProblem(under, HttpStatusCode.BadRequest);
        Assert.True((await under.JsonBody()).GetProperty("errors").TryGetProperty("password", out _));
        await AssertProblem(over, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Token_responses_are_never_cached()
    {
        var response = await Client().PostAsJsonAsync("/api/auth/register", new { email = $"ns.{Guid.NewGuid():N}@example.com", password = Password, name = "A" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Fact]
    public void Kestrel_sends_no_server_header()
    {
        Assert.False(app.Factory.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.AddServerHeader);
    }

    private async Task<int> Metrics(string address) => (await app.Factory.GetFrom("/metrics", address)).Response.StatusCode;

    [Fact]
    public async Task Metrics_are_served_to_the_machine_itself_and_not_to_other_addresses()
    {
        Assert.Equal(StatusCodes.Status200OK, await Metrics("127.0.0.1"));
        Assert.Equal(StatusCodes.Status200OK, await Metrics("::1"));
        Assert.Equal(StatusCodes.Status404NotFound, await Metrics("10.1.2.3"));
        Assert.Equal(StatusCodes.Status404NotFound, await Metrics("203.0.113.7"));
    }

    [Fact]
    public async Task Metrics_are_served_to_a_configured_network()
    {
        await using var factory = new ReplyXAppFactory(new Dictionary<string, string?> { ["Metrics:AllowedNetworks:0"] = "10.0.0.0/8" });
        async Task<int> Status(string address) => (await factory.GetFrom("/metrics", address)).Response.StatusCode;

        Assert.Equal(StatusCodes.Status200OK, await Status("10.1.2.3"));
        Assert.Equal(StatusCodes.Status404NotFound, await Status("192.168.1.1"));
    }
}
