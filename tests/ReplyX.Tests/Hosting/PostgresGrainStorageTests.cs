using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.TestingHost;
using ReplyX.Accounts;
using ReplyX.Hosting;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Hosting;

/// <summary>Grain state and reminders through the Orleans ADO.NET providers on our own PostgreSQL schema.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresGrainStorageTests : IAsyncLifetime
{
    private string _connectionString = "";
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestServers.CreateDatabaseAsync("grains");
        _dataSource = NpgsqlDataSource.Create(_connectionString);
        await new DatabaseMigrator(_dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    private Task<TestCluster> StartCluster() => ReplyXClusterFixture.Start(new()
    {
        ["Storage:Provider"] = "Postgres",
        ["ConnectionStrings:Postgres"] = _connectionString,
        ["Test:ServiceId"] = "replyx-grain-storage-tests",
    });

    [Fact]
    public async Task Grain_state_survives_a_full_restart_of_the_cluster()
    {
        var key = LoginThrottleKey.For($"restart-{Guid.NewGuid():N}@example.com");

        await using (var first = await StartCluster())
        {
            var grain = first.GrainFactory.GetGrain<ILoginThrottleGrain>(key);
            for (var i = 0; i < 3; i++)
            {
                await grain.RecordFailure();
            }
            await first.StopAllSilosAsync();
        }

        await using var second = await StartCluster();
        var status = await second.GrainFactory.GetGrain<ILoginThrottleGrain>(key).Check();

        Assert.Equal(3, status.ConsecutiveFailures);

        // The row is ours to read: JSON (System.Text.Json) under the pinned state name, with a version.
        await using var command = _dataSource.CreateCommand(
            "SELECT convert_from(payload_binary, 'UTF8'), version FROM orleans_storage WHERE grain_type_string = 'login-throttle' AND grain_id_extension_string = @key");
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Contains("\"ConsecutiveFailures\":3", reader.GetString(0).Replace(" ", ""));
        Assert.Equal(3, reader.GetInt32(1));
        Assert.False(await reader.ReadAsync());
    }

    [Fact]
    public async Task Cleared_state_reads_back_empty_and_can_be_written_again()
    {
        var key = LoginThrottleKey.For($"clear-{Guid.NewGuid():N}@example.com");
        await using var cluster = await StartCluster();
        var grain = cluster.GrainFactory.GetGrain<ILoginThrottleGrain>(key);
        await grain.RecordFailure();
        await grain.RecordFailure();

        await grain.RecordSuccess();
        Assert.Equal(1, (await grain.RecordFailure()).ConsecutiveFailures);

        await using var command = _dataSource.CreateCommand(
            "SELECT version, payload_binary IS NULL FROM orleans_storage WHERE grain_id_extension_string = @key");
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(4, reader.GetInt32(0)); // write, write, clear, write
        Assert.False(reader.GetBoolean(1));
    }

    [Fact]
    public async Task Reminder_rows_round_trip_through_the_adonet_reminder_table()
    {
        await using var cluster = await StartCluster();
        var silo = Assert.IsType<InProcessSiloHandle>(cluster.Primary);
        var table = silo.SiloHost.Services.GetRequiredService<IReminderTable>();
        var grainId = GrainId.Create("bot", $"b{Guid.NewGuid():N}");
        var start = new DateTime(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc);

        var etag = await table.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "keep-alive", StartAt = start, Period = TimeSpan.FromMinutes(1) });
        Assert.NotNull(etag);
        var read = await table.ReadRow(grainId, "keep-alive");
        Assert.NotNull(read);
        Assert.Equal(etag, read.ETag);
        Assert.Equal(start, read.StartAt);
        Assert.Equal(TimeSpan.FromMinutes(1), read.Period);

        var newEtag = await table.UpsertRow(new ReminderEntry { GrainId = grainId, ReminderName = "keep-alive", StartAt = start, Period = TimeSpan.FromDays(40) });
        Assert.NotNull(newEtag);
        Assert.NotEqual(etag, newEtag);
        Assert.Equal(TimeSpan.FromDays(40), (await table.ReadRow(grainId, "keep-alive"))!.Period);

        Assert.False(await table.RemoveRow(grainId, "keep-alive", etag));
        Assert.True(await table.RemoveRow(grainId, "keep-alive", newEtag));
        Assert.Empty((await table.ReadRows(grainId))!.Reminders);
    }
}
