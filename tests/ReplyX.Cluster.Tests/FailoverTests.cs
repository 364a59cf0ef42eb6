using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using ReplyX.Accounts;
using StackExchange.Redis;

namespace ReplyX.Cluster.Tests;

/// <summary>
/// Production shape on real servers: silo processes with Redis membership and PostgreSQL state. Killing
/// the silo that hosts a grain moves the grain to a survivor with its state intact.
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    internal static Dictionary<string, string> SiloEnvironment(string clusterId, string postgres, bool api = false) => new()
    {
        ["Cluster__Membership"] = "Redis",
        ["ConnectionStrings__Redis"] = HostProcess.Redis,
        ["Cluster__ClusterId"] = clusterId,
        ["Cluster__ServiceId"] = "replyx-failover",
        ["Cluster__AdvertisedIPAddress"] = "127.0.0.1",
        ["Cluster__SiloPort"] = HostProcess.FreePort().ToString(),
        ["Cluster__GatewayPort"] = HostProcess.FreePort().ToString(),
        // Shorter probes than production so a dead silo is declared dead in seconds (see docs/operations.md).
        ["Cluster__Liveness__ProbeTimeout"] = "00:00:01",
        ["Cluster__Liveness__MinProbeTimeout"] = "00:00:00.500",
        ["Cluster__Liveness__MaxProbeTimeout"] = "00:00:02",
        ["Storage__Provider"] = "Postgres",
        ["ConnectionStrings__Postgres"] = postgres,
        ["Api__Enabled"] = api ? "true" : "false",
    };

    internal static async Task<IHost> ConnectClient(string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        // The survivor-side connection errors after the kill are expected; keep the test log readable.
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "replyx-failover";
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(HostProcess.Redis));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    internal static async Task<int> ActiveSilos(IClusterClient client) =>
        (await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count(h => h.Value == SiloStatus.Active);

    [Fact]
    public async Task Killing_the_silo_that_hosts_a_grain_moves_it_to_the_survivor_with_its_state()
    {
        var clusterId = "failover-" + Guid.NewGuid().ToString("N")[..8];
        var postgres = await HostProcess.CreateDatabase("failover");

        // silo-1 starts alone on an empty database and migrates it; silo-2 later finds nothing to apply.
        await using var first = HostProcess.Start(HostProcess.SiloDll, "silo-1", SiloEnvironment(clusterId, postgres));
        await first.WaitHealthy(TimeSpan.FromSeconds(90));

        using var clientHost = await ConnectClient(clusterId);
        var client = clientHost.Services.GetRequiredService<IClusterClient>();
        var grain = client.GetGrain<ILoginThrottleGrain>(LoginThrottleKey.For($"failover-{Guid.NewGuid():N}@example.com"));
        await grain.RecordFailure();
        await grain.RecordFailure();
        var management = client.GetGrain<IManagementGrain>(0);
        var originalHost = await management.GetActivationAddress(grain);
        Assert.NotNull(originalHost);

        await using var second = HostProcess.Start(HostProcess.SiloDll, "silo-2", SiloEnvironment(clusterId, postgres));
        await second.WaitHealthy(TimeSpan.FromSeconds(90));
        var joined = Stopwatch.StartNew();
        while (await ActiveSilos(client) < 2)
        {
            Assert.True(joined.Elapsed < TimeSpan.FromSeconds(30), "the second silo never became active");
            await Task.Delay(100);
        }
        // Only silo-1 existed when the grain was activated, so it lives there.
        Assert.Equal(originalHost, await management.GetActivationAddress(grain));

        first.Kill();
        var outage = Stopwatch.StartNew();
        LoginThrottleStatus? status = null;
        var attempts = 0;
        while (status is null)
        {
            Assert.True(outage.Elapsed < TimeSpan.FromSeconds(60), $"grain not callable {outage.Elapsed} after the kill:\n{second.Output}");
            attempts++;
            try
            {
                status = await grain.Check().WaitAsync(TimeSpan.FromSeconds(2));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException or OperationCanceledException)
            {
                // Expected while the cluster has not yet declared silo-1 dead; callers retry, as ours will.
                await Task.Delay(50);
            }
        }
        outage.Stop();
        output.WriteLine($"Grain callable again {outage.Elapsed.TotalMilliseconds:0} ms after kill -9 of its silo ({attempts} attempts)");

        Assert.Equal(2, status.ConsecutiveFailures);
        var newHost = await management.GetActivationAddress(grain);
        Assert.NotNull(newHost);
        Assert.NotEqual(originalHost, newHost);
        Assert.Equal(3, (await grain.RecordFailure()).ConsecutiveFailures);

        var survivorHealth = JsonDocument.Parse(await second.GetString("/health"));
        Assert.Equal("Healthy", survivorHealth.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Stand_alone_api_node_serves_the_cluster_of_pure_silos()
    {
        var clusterId = "api-" + Guid.NewGuid().ToString("N")[..8];
        var postgres = await HostProcess.CreateDatabase("apinode");
        await using var silo = HostProcess.Start(HostProcess.SiloDll, "pure-silo", SiloEnvironment(clusterId, postgres));
        await silo.WaitHealthy(TimeSpan.FromSeconds(90));

        await using var api = HostProcess.Start(HostProcess.ApiDll, "api", new Dictionary<string, string>
        {
            ["Cluster__Membership"] = "Redis",
            ["ConnectionStrings__Redis"] = HostProcess.Redis,
            ["Cluster__ClusterId"] = clusterId,
            ["Cluster__ServiceId"] = "replyx-failover",
            ["ConnectionStrings__Postgres"] = postgres,
            ["Auth__Jwt__SigningKey"] = "cluster-test-signing-key-0123456789abcdef",
        });
        await api.WaitHealthy(TimeSpan.FromSeconds(60));

        using var health = JsonDocument.Parse(await api.GetString("/health"));
        var components = health.RootElement.GetProperty("components");
        Assert.Equal(1, components.GetProperty("orleans").GetProperty("data").GetProperty("activeSilos").GetInt32());
        Assert.Equal("Healthy", components.GetProperty("redis").GetProperty("status").GetString());
        Assert.Equal("Healthy", components.GetProperty("postgres").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.TryGet("/"))!.StatusCode);

        // A pure silo serves operations only: no web UI, no API.
        Assert.Equal(HttpStatusCode.NotFound, (await silo.TryGet("/"))!.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await silo.TryGet("/metrics"))!.StatusCode);
    }
}
