using Microsoft.Extensions.Hosting;

namespace ReplyX.Hosting;

/// <summary>
/// Registered before the Orleans silo so the schema (including Orleans' query table, which the ADO.NET
/// providers read once at start-up) exists before the silo starts.
/// </summary>
internal sealed class MigrationHostedService(DatabaseMigrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
