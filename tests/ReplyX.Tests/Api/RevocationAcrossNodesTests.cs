using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>
/// Two silos with their APIs in one cluster (PostgreSQL state, Redis membership), as production runs them:
/// a user blocked, demoted or signed out through one node is refused by the other within one second.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RevocationAcrossNodesTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private ReplyXAppFactory _a = null!;
    private ReplyXAppFactory _b = null!;
    private HttpClient _clientA = null!;
    private HttpClient _clientB = null!;

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = await TestServers.CreateDatabaseAsync("revocation"),
            ["Cluster:Membership"] = "Redis",
            ["ConnectionStrings:Redis"] = TestServers.Redis,
            ["Cluster:AdvertisedIPAddress"] = "127.0.0.1",
            ["Cluster:ClusterId"] = "revocation-" + Guid.NewGuid().ToString("N")[..8],
            ["RateLimits:AuthPerMinute"] = "1000",
            ["Admin:Email"] = "root@replyx.test",
            ["Admin:Password"] = "admin password for tests",
        };
        _a = new ReplyXAppFactory(settings);
        _clientA = _a.CreateClient();
        _b = new ReplyXAppFactory(settings);
        _clientB = _b.CreateClient();
        await WaitForTwoSilos();
    }

    public async Task DisposeAsync()
    {
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    private async Task WaitForTwoSilos()
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var health = await (await _clientB.GetAsync("/health")).JsonBody();
            var silos = health.GetProperty("components").GetProperty("orleans").GetProperty("data").GetProperty("activeSilos").GetInt32();
            if (silos == 2)
            {
                return;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"the two nodes did not form one cluster: {silos} active silo(s)");
            await Task.Delay(200);
        }
    }

    private async Task<(string Token, Guid UserId)> Owner()
    {
        var response = await _clientA.PostAsJsonAsync("/api/auth/register", new { email = $"x.{Guid.NewGuid():N}@example.com", password = Password, name = "X" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.JsonBody();
        return (body.GetProperty("accessToken").GetString()!, body.GetProperty("user").GetProperty("id").GetGuid());
    }

    private async Task<string> Admin()
    {
        var response = await _clientA.PostAsJsonAsync("/api/auth/login", new { email = "root@replyx.test", password = "admin password for tests" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonBody()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>Asks node B with the old token until it is refused; the time from the change on node A to the refusal.</summary>
    private async Task<TimeSpan> RefusedOnB(string path, string token, Func<Task> change)
    {
        Assert.Equal(HttpStatusCode.OK, (await _clientB.SendAs(HttpMethod.Get, path, token)).StatusCode); // node B holds the old stamp
        await change();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var status = (await _clientB.SendAs(HttpMethod.Get, path, token)).StatusCode;
            if (status == HttpStatusCode.Unauthorized)
            {
                return watch.Elapsed;
            }
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "node B still accepts the revoked token after 5 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Block_demotion_and_logout_on_one_node_end_the_token_on_the_other_within_one_second()
    {
        var admin = await Admin();
        var blocked = await Owner();
        var demoted = await Owner();
        var signedOut = await Owner();

        var afterBlock = await RefusedOnB("/api/assistants", blocked.Token, async () =>
            Assert.Equal(HttpStatusCode.OK, (await _clientA.SendAs(HttpMethod.Patch, $"/api/admin/users/{blocked.UserId}", admin, new { blocked = true })).StatusCode));
        var afterDemotion = await RefusedOnB("/api/account/operators", demoted.Token, async () =>
            Assert.Equal(HttpStatusCode.OK, (await _clientA.SendAs(HttpMethod.Patch, $"/api/admin/users/{demoted.UserId}", admin, new { role = "operator" })).StatusCode));
        var afterLogout = await RefusedOnB("/api/assistants", signedOut.Token, async () =>
            Assert.Equal(HttpStatusCode.NoContent, (await _clientA.SendAs(HttpMethod.Post, "/api/auth/logout", signedOut.Token)).StatusCode));

        Assert.True(afterBlock < TimeSpan.FromSeconds(1), $"block: refused after {afterBlock.TotalMilliseconds:0} ms");
        Assert.True(afterDemotion < TimeSpan.FromSeconds(1), $"demotion: refused after {afterDemotion.TotalMilliseconds:0} ms");
        Assert.True(afterLogout < TimeSpan.FromSeconds(1), $"logout: refused after {afterLogout.TotalMilliseconds:0} ms");
    }
}
