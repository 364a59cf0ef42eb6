using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using ReplyX.Accounts;
using ReplyX.Tests.Infrastructure;
using StackExchange.Redis;

namespace ReplyX.Tests.Api;

/// <summary>/health in production mode, against real PostgreSQL and Redis servers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProductionHealthTests
{
    private static async Task<(HttpStatusCode Status, JsonElement Components)> Health(HttpClient client, string path = "/health")
    {
        var response = await client.GetAsync(path);
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

    /// <summary>Asks <c>/health/ready</c> until it answers <paramref name="expected"/>; fails with the last answer and the host's log after the deadline.</summary>
    private static async Task<JsonElement> WaitForReady(HttpClient client, HttpStatusCode expected, TimeSpan deadline, string what, CapturedLogs logs)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (status, components) = await Health(client, "/health/ready");
            if (status == expected)
            {
                return components;
            }
            if (watch.Elapsed > deadline)
            {
                Assert.Fail($"{what}: /health/ready still answered {(int)status} after {watch.Elapsed.TotalSeconds:0} s: {components}\n{logs.Text(40)}");
            }
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Readiness_fails_while_redis_is_down_and_recovers_when_it_restarts_with_its_data_and_grains_answer_through_it()
    {
        // A Redis of this test's own, run as compose.yaml runs it (append-only file), so its restart keeps the
        // membership table. Restarted empty, the silo would never be ready again (docs/operations.md, "Failover tuning").
        var dir = Path.Combine(TestServers.WorkFolder, "redis-ready-" + Guid.NewGuid().ToString("N")[..8]);
        var port = TestServers.FreePort().ToString();
        var redis = $"127.0.0.1:{port}";
        var clusterId = "redis-restart-" + Guid.NewGuid().ToString("N")[..8];
        var logs = new CapturedLogs();
        await TestServers.RunServicesScriptAsync("redis-start", dir, port, "aof");
        var redisUp = true;
        var failed = true;
        ReplyXAppFactory? factory = null;
        try
        {
            factory = new ReplyXAppFactory(new Dictionary<string, string?>
            {
                ["Storage:Provider"] = "Postgres",
                ["ConnectionStrings:Postgres"] = await TestServers.CreateDatabaseAsync("redisrestart"),
                ["Cluster:Membership"] = "Redis",
                ["ConnectionStrings:Redis"] = redis,
                ["Cluster:AdvertisedIPAddress"] = "127.0.0.1",
                ["Cluster:ClusterId"] = clusterId,
            });
            var host = factory.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs)));
            var client = host.CreateClient();
            var (before, _) = await Health(client, "/health/ready");
            Assert.Equal(HttpStatusCode.OK, before);
            var login = $"redis-restart-{Guid.NewGuid():N}@example.com";
            Assert.Equal(1, (await host.Services.GetRequiredService<IGrainFactory>().GetGrain<ILoginThrottleGrain>(login).RecordFailure()).ConsecutiveFailures);

            await TestServers.RunServicesScriptAsync("redis-stop", dir, port);
            redisUp = false;

            var down = await WaitForReady(client, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "Redis stopped", logs);
            Assert.Equal("Unhealthy", down.GetProperty("redis").GetProperty("status").GetString());
            Assert.Contains("Redis is unreachable", down.GetProperty("redis").GetProperty("description").GetString());
            Assert.Equal("Healthy", down.GetProperty("postgres").GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);

            await TestServers.RunServicesScriptAsync("redis-start", dir, port, "aof");
            redisUp = true;

            var up = await WaitForReady(client, HttpStatusCode.OK, TimeSpan.FromSeconds(60), "Redis restarted", logs);
            foreach (var name in new[] { "redis", "orleans", "postgres" })
            {
                Assert.Equal("Healthy", up.GetProperty(name).GetProperty("status").GetString());
            }
            // In the process, and from a client that finds the silo through Redis, as a stand-alone API node does.
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            Assert.Equal(2, (await grains.GetGrain<ILoginThrottleGrain>(login).RecordFailure().WaitAsync(TimeSpan.FromSeconds(30))).ConsecutiveFailures);
            using var outside = await ConnectClient(clusterId, redis, TimeSpan.FromSeconds(60));
            var external = outside.Services.GetRequiredService<IClusterClient>().GetGrain<ILoginThrottleGrain>(login);
            Assert.Equal(3, (await external.RecordFailure().WaitAsync(TimeSpan.FromSeconds(30))).ConsecutiveFailures);
            failed = false;
        }
        finally
        {
            if (!redisUp)
            {
                // The silo leaves the cluster through Redis; without it, its stop waits a minute and fails.
                await TestServers.RunServicesScriptAsync("redis-start", dir, port, "aof");
            }
            try
            {
                if (factory is not null)
                {
                    await factory.DisposeAsync(); // and the host derived from it
                }
            }
            catch (Exception) when (failed)
            {
                // A silo that could not leave the cluster cleanly: the test's own failure says more.
            }
            await TestServers.RunServicesScriptAsync("redis-stop", dir, port);
        }
    }

    /// <summary>An Orleans client finding the cluster through Redis membership; fails after the deadline.</summary>
    private static async Task<IHost> ConnectClient(string clusterId, string redis, TimeSpan deadline)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "replyx";
            });
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        });
        var host = builder.Build();
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await host.StartAsync(timeout.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return host;
    }
}
