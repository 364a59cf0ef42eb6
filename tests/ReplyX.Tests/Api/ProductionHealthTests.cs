using System.Net;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>/health in production mode, against real PostgreSQL and Redis servers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProductionHealthTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Components)> Health(HttpClient client)
    {
        var response = await client.GetAsync("/health");
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.GetProperty("components").Clone());
    }

    [Fact]
    public async Task Health_reports_postgres_redis_and_cluster_with_redis_membership()
    {
        await using var factory = new ReplyXAppFactory(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = await TestServers.CreateDatabaseAsync("health"),
            ["Cluster:Membership"] = "Redis",
            ["ConnectionStrings:Redis"] = TestServers.Redis,
            ["Cluster:AdvertisedIPAddress"] = "127.0.0.1",
        });
        var client = factory.CreateClient();

        var (status, components) = await Health(client);

        Assert.Equal(HttpStatusCode.OK, status);
        foreach (var name in new[] { "postgres", "redis", "orleans" })
        {
            Assert.Equal("Healthy", components.GetProperty(name).GetProperty("status").GetString());
        }
        Assert.StartsWith("PostgreSQL 15", components.GetProperty("postgres").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Health_reports_a_stopped_postgres_as_unhealthy()
    {
        // A PostgreSQL server of this test's own, so stopping it disturbs nobody else.
        var dir = Path.Combine(TestServers.WorkFolder, "pg-health-" + Guid.NewGuid().ToString("N")[..8]);
        var port = TestServers.FreePort();
        await TestServers.RunServicesScriptAsync("pg-start", dir, port.ToString());
        try
        {
            await using var factory = new ReplyXAppFactory(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = "Postgres",
                ["ConnectionStrings:Postgres"] = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=3",
            });
            var client = factory.CreateClient();
            var (before, beforeComponents) = await Health(client);
            Assert.Equal(HttpStatusCode.OK, before);
            Assert.Equal("Healthy", beforeComponents.GetProperty("postgres").GetProperty("status").GetString());

            await TestServers.RunServicesScriptAsync("pg-stop", dir);

            var (after, afterComponents) = await Health(client);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, after);
            Assert.Equal("Unhealthy", afterComponents.GetProperty("postgres").GetProperty("status").GetString());
            Assert.Contains("unreachable", afterComponents.GetProperty("postgres").GetProperty("description").GetString());
            Assert.Equal("Healthy", afterComponents.GetProperty("orleans").GetProperty("status").GetString());

            var live = await client.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        finally
        {
            await TestServers.RunServicesScriptAsync("pg-stop", dir);
        }
    }
}
