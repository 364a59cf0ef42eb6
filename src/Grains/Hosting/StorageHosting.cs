using Pgvector.Npgsql;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using ReplyX.Accounts;
using ReplyX.Admin;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Bots;
using ReplyX.Dialogs;
using ReplyX.Security;

namespace ReplyX.Hosting;

public static class StorageHosting
{
    /// <summary>
    /// Grain storage, reminders, the stream pub-sub store and the domain stores, in memory or in PostgreSQL as
    /// <c>Storage:Provider</c> says. The section is read now (the providers are chosen while the silo is built)
    /// and registered for later readers with the same validator.
    /// </summary>
    public static StorageOptions AddReplyXStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = configuration.ReadValidated(StorageOptions.Section, new StorageOptionsValidator(configuration));
        silo.Services.AddValidatedOptions<StorageOptions, StorageOptionsValidator>(StorageOptions.Section);
        var connectionString = storage.Provider == StorageProvider.Postgres
            ? PostgresConnectionString.WithReplyXDefaults(configuration[StorageOptions.PostgresConnectionKey]!)
            : null;

        // Persisted state is System.Text.Json: property names are the contract, CLR type names are not.
        silo.UseSystemTextJsonGrainStorageSerializer();
        switch (storage.Provider)
        {
            case StorageProvider.Memory:
                silo.AddMemoryGrainStorageAsDefault();
                silo.AddMemoryGrainStorage(StreamNames.PubSubStore);
                silo.UseInMemoryReminderService();
                break;
            case StorageProvider.Postgres:
                silo.AddAdoNetGrainStorageAsDefault(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage(StreamNames.PubSubStore, o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
                break;
        }
        silo.Services.AddReplyXStores(storage, connectionString);
        silo.Services.AddSingleton(new StateDurability(DeploymentShape.IsSingleProcessInMemory(configuration)));
        return storage;
    }

    /// <summary>
    /// The domain stores: PostgreSQL with <c>Storage:Provider=Postgres</c> (over <paramref name="postgresConnectionString"/>),
    /// in memory otherwise.
    /// </summary>
    public static IServiceCollection AddReplyXStores(this IServiceCollection services, StorageOptions storage, string? postgresConnectionString)
    {
        services.AddDataProtection().SetApplicationName("ReplyX");
        services.TryAddSingleton<ISecretProtector, SecretProtector>();
        switch (storage.Provider)
        {
            case StorageProvider.Postgres:
                ArgumentException.ThrowIfNullOrWhiteSpace(postgresConnectionString);
                // One key ring for the whole cluster; the embedded default keeps Data Protection's own file store.
                services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new PostgresXmlRepository(db));
                services.TryAddSingleton(_ => CreateDataSource(postgresConnectionString));
                services.TryAddSingleton<DatabaseMigrator>();
                services.TryAddSingleton<IAccountStore, PostgresAccountStore>();
                services.TryAddSingleton<IRefreshTokenStore, PostgresRefreshTokenStore>();
                services.TryAddSingleton<IAuditStore, PostgresAuditStore>();
                services.TryAddSingleton<IAiTokenStore, PostgresAiTokenStore>();
                services.TryAddSingleton<IAiUsageStore, PostgresAiUsageStore>();
                services.TryAddSingleton<IAssistantStore, PostgresAssistantStore>();
                services.TryAddSingleton<IDialogStore, PostgresDialogStore>();
                services.TryAddSingleton<IDialogDirectory, PostgresDialogDirectory>();
                services.TryAddSingleton<IBotStore, PostgresBotStore>();
                services.TryAddSingleton<ReplyX.Knowledge.IKnowledgeStore, ReplyX.Knowledge.PostgresKnowledgeStore>();
                services.TryAddSingleton<ReplyX.Billing.IBillingStore, ReplyX.Billing.PostgresBillingStore>();
                services.TryAddSingleton<ReplyX.Billing.IPriceStore, ReplyX.Billing.PostgresPriceStore>();
                services.TryAddSingleton<ReplyX.Billing.IPaymentStore, ReplyX.Billing.PostgresPaymentStore>();
                services.TryAddSingleton<ReplyX.Billing.IPromoStore, ReplyX.Billing.PostgresPromoStore>();
                services.TryAddSingleton<ReplyX.Billing.IReferralStore, ReplyX.Billing.PostgresReferralStore>();
                services.TryAddSingleton<ReplyX.Analytics.IAnalyticsStore, ReplyX.Analytics.PostgresAnalyticsStore>();
                break;
            default:
                services.TryAddSingleton<IAccountStore, InMemoryAccountStore>();
                services.TryAddSingleton<IRefreshTokenStore, InMemoryRefreshTokenStore>();
                services.TryAddSingleton<IAuditStore, InMemoryAuditStore>();
                services.TryAddSingleton<IAiTokenStore, InMemoryAiTokenStore>();
                services.TryAddSingleton<IAiUsageStore, InMemoryAiUsageStore>();
                services.TryAddSingleton<IAssistantStore, InMemoryAssistantStore>();
                services.TryAddSingleton<IDialogStore, InMemoryDialogStore>();
                // Lists read the same dialogs the grains write.
                services.TryAddSingleton<IDialogDirectory>(sp => new InMemoryDialogDirectory((InMemoryDialogStore)sp.GetRequiredService<IDialogStore>()));
                services.TryAddSingleton<IBotStore, InMemoryBotStore>();
                services.TryAddSingleton<ReplyX.Knowledge.IKnowledgeStore, ReplyX.Knowledge.InMemoryKnowledgeStore>();
                services.TryAddSingleton<ReplyX.Billing.IBillingStore, ReplyX.Billing.InMemoryBillingStore>();
                services.TryAddSingleton<ReplyX.Billing.IPriceStore, ReplyX.Billing.InMemoryPriceStore>();
                services.TryAddSingleton<ReplyX.Billing.IPaymentStore, ReplyX.Billing.InMemoryPaymentStore>();
                services.TryAddSingleton<ReplyX.Billing.IPromoStore, ReplyX.Billing.InMemoryPromoStore>();
                services.TryAddSingleton<ReplyX.Billing.IReferralStore, ReplyX.Billing.InMemoryReferralStore>();
                // The dashboards count what the other in-memory stores hold.
                services.TryAddSingleton<ReplyX.Analytics.IAnalyticsStore>(sp => new ReplyX.Analytics.InMemoryAnalyticsStore(
                    (InMemoryAccountStore)sp.GetRequiredService<IAccountStore>(), (InMemoryDialogStore)sp.GetRequiredService<IDialogStore>(),
                    (ReplyX.Billing.InMemoryBillingStore)sp.GetRequiredService<ReplyX.Billing.IBillingStore>()));
                break;
        }
        return services;
    }

    /// <summary>The silo's data source, with Pgvector's types (used by the knowledge store when the server has the extension, sql/017).</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.UseVector();
        return builder.Build();
    }
}
