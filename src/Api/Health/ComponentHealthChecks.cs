using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;
using StackExchange.Redis;

namespace ReplyX.Api.Health;

/// <summary>PostgreSQL answers a trivial query within the check's timeout.</summary>
internal sealed class PostgresHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT current_setting('server_version')", connection);
            var version = (string?)await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy($"PostgreSQL {version}", new Dictionary<string, object> { ["version"] = version ?? "" });
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL is unreachable: " + ex.Message);
        }
    }
}

/// <summary>Redis (cluster membership) answers PING.</summary>
internal sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var multiplexer = await redis.GetAsync();
            var latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered PING in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis is unreachable: " + ex.Message);
        }
    }
}

/// <summary>The Orleans cluster has at least one active silo, as seen by the management grain.</summary>
internal sealed class OrleansClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
            var active = hosts.Count(h => h.Value == SiloStatus.Active);
            var data = new Dictionary<string, object> { ["activeSilos"] = active };
            return active > 0
                ? HealthCheckResult.Healthy($"{active} active silo(s)", data)
                : new HealthCheckResult(context.Registration.FailureStatus, "No active silo", data: data);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Orleans cluster is unreachable: " + ex.Message);
        }
    }
}

/// <summary>One lazily created, reconnecting Redis connection for the API's own use (health, later caches).</summary>
public sealed class RedisConnection(string connectionString) : IAsyncDisposable
{
    private readonly Lazy<Task<ConnectionMultiplexer>> _connection = new(() =>
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 3000;
        options.AsyncTimeout = 3000;
        return ConnectionMultiplexer.ConnectAsync(options);
    });

    public async Task<IConnectionMultiplexer> GetAsync() => await _connection.Value;

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated)
        {
            await (await _connection.Value).DisposeAsync();
        }
    }
}
