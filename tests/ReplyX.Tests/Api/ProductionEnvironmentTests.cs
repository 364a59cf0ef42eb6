using System.Net;
using System.Net.Http.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>The embedded default in the Production environment, as a deployment runs it: what Development relaxes is strict here.</summary>
public sealed class ProductionEnvironmentTests
{
    [Fact]
    public async Task Refresh_cookie_is_secure_hsts_is_sent_and_the_api_reference_ui_is_not_served()
    {
        await using var factory = new ReplyXAppFactory(environment: "Production");
        var client = factory.CreateClient(new() { HandleCookies = false, BaseAddress = new Uri("https://localhost") });

        var registered = await client.PostAsJsonAsync("/api/auth/register",
            new { email = $"prod.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Prod" });

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var cookies = registered.Headers.GetValues("Set-Cookie").ToArray();
        var refresh = Assert.Single(cookies, c => c.StartsWith("replyx_refresh=", StringComparison.Ordinal));
        Assert.Contains("; secure", refresh, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; httponly", refresh, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("; secure", Assert.Single(cookies, c => c.StartsWith("replyx_csrf=", StringComparison.Ordinal)), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("max-age=31536000; includeSubDomains", registered.Headers.GetValues("Strict-Transport-Security").Single());
        Assert.Equal("no-store", registered.Headers.CacheControl?.ToString());

        var reference = await client.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.NotFound, reference.StatusCode);
        Assert.Equal("max-age=31536000; includeSubDomains", reference.Headers.GetValues("Strict-Transport-Security").Single());
    }
}
