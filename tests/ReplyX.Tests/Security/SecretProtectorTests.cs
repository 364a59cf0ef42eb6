using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ReplyX.Hosting;
using ReplyX.Security;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Security;

[Collection(PostgresCollection.Name)]
public sealed class SecretProtectorTests
{
    private static ServiceProvider Node(string connectionString)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddReplyXStores(new StorageOptions { Provider = StorageProvider.Postgres }, connectionString);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_secret_protected_on_one_node_is_readable_on_another_through_the_shared_key_ring()
    {
        var connectionString = await TestServers.CreateDatabaseAsync("dpkeys");
        await using (var migrate = NpgsqlDataSource.Create(connectionString))
        {
            await new DatabaseMigrator(migrate, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        }

        await using var first = Node(connectionString);
        await using var second = Node(connectionString);
        var token = "123456:AAE-bot-token-" + Guid.NewGuid();

        var stored = first.GetRequiredService<ISecretProtector>().Protect(token);

        Assert.DoesNotContain(token, stored);
        Assert.Equal(token, second.GetRequiredService<ISecretProtector>().Unprotect(stored));
        Assert.Throws<CryptographicException>(() => second.GetRequiredService<ISecretProtector>().Unprotect(stored[..^4] + "AAAA"));

        await using var db = NpgsqlDataSource.Create(connectionString);
        await using var count = db.CreateCommand("SELECT count(*) FROM data_protection_keys");
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }
}
