using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReplyX.Hosting;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Hosting;

[Collection(PostgresCollection.Name)]
public sealed class DatabaseMigratorTests
{
    private static DatabaseMigrator Migrator(NpgsqlDataSource dataSource) => new(dataSource, NullLogger<DatabaseMigrator>.Instance);

    [Fact]
    public void Embedded_migrations_are_numbered_and_include_orleans_and_domain_tables()
    {
        var versions = DatabaseMigrator.Embedded.Select(m => m.Version).ToArray();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Distinct().Count(), versions.Length);
        Assert.Contains(DatabaseMigrator.Embedded, m => m.Sql.Contains("orleansquery", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(DatabaseMigrator.Embedded, m => m.Name == "accounts");
    }

    [Fact]
    public async Task Fresh_database_gets_every_migration_and_a_second_run_changes_nothing()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestServers.CreateDatabaseAsync("migr"));

        var first = await Migrator(dataSource).MigrateAsync();
        var second = await Migrator(dataSource).MigrateAsync();

        Assert.Equal(DatabaseMigrator.Embedded.Select(m => m.Version), first.Applied);
        Assert.Empty(second.Applied);
        Assert.Equal(DatabaseMigrator.Embedded.Count, await Scalar<long>(dataSource, "SELECT count(*) FROM schema_migrations"));
        // The Orleans ADO.NET providers refuse to start unless each of their query keys exists exactly once.
        Assert.Equal(11, await Scalar<long>(dataSource, """
            SELECT count(*) FROM orleansquery WHERE querykey IN (
              'WriteToStorageKey','ReadFromStorageKey','ClearStorageKey','DeleteStorageKey',
              'ReadReminderRowsKey','ReadReminderRowKey','ReadRangeRows1Key','ReadRangeRows2Key',
              'UpsertReminderRowKey','DeleteReminderRowKey','DeleteReminderRowsKey')
            """));
    }

    [Fact]
    public async Task Concurrent_starts_apply_each_migration_exactly_once()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("migrconc");
        var sources = Enumerable.Range(0, 6).Select(_ => NpgsqlDataSource.Create(connectionString)).ToArray();
        try
        {
            var reports = await Task.WhenAll(sources.Select(s => Task.Run(() => Migrator(s).MigrateAsync())));

            var applied = reports.SelectMany(r => r.Applied).ToArray();
            Assert.Equal(DatabaseMigrator.Embedded.Select(m => m.Version).Order(), applied.Order());
            Assert.Single(reports, r => r.Applied.Count > 0);
            Assert.Equal(DatabaseMigrator.Embedded.Count, await Scalar<long>(sources[0], "SELECT count(*) FROM schema_migrations"));
        }
        finally
        {
            foreach (var source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_edited_applied_migration_is_refused()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestServers.CreateDatabaseAsync("migredit"));
        await Migrator(dataSource).MigrateAsync();

        var edited = DatabaseMigrator.Embedded
            .Select(m => m.Name == "accounts" ? m with { Sql = m.Sql + "\n-- edited after release\n" } : m)
            .ToArray();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Migrator(dataSource).MigrateAsync(edited));
        Assert.Contains("accounts", error.Message);
        Assert.Contains("immutable", error.Message);
    }

    [Fact]
    public async Task A_failing_migration_is_rolled_back_and_not_recorded()
    {
        await using var dataSource = NpgsqlDataSource.Create(await TestServers.CreateDatabaseAsync("migrfail"));
        var broken = DatabaseMigrator.Embedded
            .Append(new Migration(999, "broken", "CREATE TABLE half_done (id int); SELECT no_such_function();"))
            .ToArray();

        await Assert.ThrowsAsync<PostgresException>(() => Migrator(dataSource).MigrateAsync(broken));

        Assert.Equal(0L, await Scalar<long>(dataSource, "SELECT count(*) FROM schema_migrations WHERE version = 999"));
        Assert.Equal(0L, await Scalar<long>(dataSource, "SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'"));
        // The earlier scripts stay applied, and the lock was released: a correct run goes through.
        var report = await Migrator(dataSource).MigrateAsync();
        Assert.Empty(report.Applied);
    }

    private static async Task<T> Scalar<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
