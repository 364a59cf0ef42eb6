using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReplyX.Hosting;

namespace ReplyX.Tests.Infrastructure;

/// <summary>A fresh PostgreSQL database with every migration applied, for one test class.</summary>
public sealed class MigratedDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = await TestServers.CreateDatabaseAsync("store");
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        await new DatabaseMigrator(DataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();
}
