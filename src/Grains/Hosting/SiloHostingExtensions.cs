using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using ReplyX.Accounts;
using ReplyX.Admin;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Bots;
using ReplyX.Dialogs;
using ReplyX.Security;
using StackExchange.Redis;

namespace ReplyX.Hosting;

public static class SiloHostingExtensions
{
    /// <summary>Orleans' default response timeout for grain calls, which clients in other processes keep.</summary>
    public static readonly TimeSpan OrleansDefaultResponseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Hosts a ReplyX silo in this process: clustering and endpoints from <c>Cluster:*</c>, storage from
    /// <c>Storage:*</c>, and (with PostgreSQL) the schema migrated before the silo starts.
    /// </summary>
    public static IHostApplicationBuilder AddReplyXSilo(this IHostApplicationBuilder builder)
    {
        var cluster = ClusterSettings.Read(builder.Configuration);
        var storage = StorageSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(cluster);

        if (storage.Provider == StorageProvider.Postgres && storage.MigrateOnStart)
        {
            // Registered before UseOrleans: hosted services start in registration order, and the ADO.NET
            // providers read Orleans' query table once when the silo starts.
            builder.Services.AddHostedService<MigrationHostedService>();
        }

        var admin = AdminBootstrapSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(admin);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });

            switch (cluster.Membership)
            {
                case ClusteringMode.Localhost:
                    silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, null, cluster.ServiceId, cluster.ClusterId);
                    break;
                case ClusteringMode.Redis:
                    silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(cluster.RedisConnectionString!));
                    silo.ConfigureEndpoints(AdvertisedAddress(cluster), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                    break;
            }

            // Membership timings (probe timeouts, votes) are tunable per deployment; tests shorten them.
            silo.Services.AddOptions<ClusterMembershipOptions>().Bind(builder.Configuration.GetSection("Cluster:Liveness"));
            silo.AddReplyXGrains(builder.Configuration);
        });
        // After the migrator (registered first) so the users table exists.
        builder.Services.AddHostedService<AdminBootstrapService>();
        return builder;
    }

    /// <summary>
    /// Everything a silo needs besides clustering: grain storage, reminders, the <c>events</c> stream
    /// provider and the domain stores. Also used by the test clusters.
    /// </summary>
    public static ISiloBuilder AddReplyXGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = StorageSettings.Read(configuration);
        silo.Services.AddSingleton(storage);
        silo.Services.TryAddSingleton(TimeProvider.System);

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
                var connectionString = storage.PostgresConnectionString!;
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

        // Memory-stream queues are polled; Orleans' default (100 ms) would add that much to every live
        // update an operator or a widget visitor sees.
        var pollPeriod = configuration.GetValue("Streams:PollPeriod", TimeSpan.FromMilliseconds(20));
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
            streams.ConfigurePullingAgent(o => o.Configure(options => options.GetQueueMsgsTimerPeriod = pollPeriod)));
        silo.Services.AddReplyXStores(storage);
        silo.Services.AddOptions<AiProviderOptions>().Bind(configuration.GetSection(AiProviderOptions.Section))
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "Ai:AttemptTimeout must be positive.")
            .Validate(o => o.MaxConnectionsPerKey > 0, "Ai:MaxConnectionsPerKey must be positive.")
            // Below the silo's response timeout and below Orleans' default one, which the API's cluster clients use.
            .Validate<Microsoft.Extensions.Options.IOptions<SiloMessagingOptions>>(
                (o, messaging) => o.AskBudget > TimeSpan.Zero && o.AskBudget < OrleansDefaultResponseTimeout && o.AskBudget < messaging.Value.ResponseTimeout,
                "Ai:AskBudget must be positive and below the Orleans response timeout (30 s).").ValidateOnStart();
        silo.Services.AddOptions<AiLimitsOptions>().Bind(configuration.GetSection(AiLimitsOptions.Section))
            .Validate(o => o.RpmWindow > TimeSpan.Zero && o.FailureThreshold > 0 && o.BreakDuration > TimeSpan.Zero,
                "Ai:Limits:RpmWindow, FailureThreshold and BreakDuration must be positive.").ValidateOnStart();
        silo.Services.AddOptions<DialogOptions>().Bind(configuration.GetSection(DialogOptions.Section))
            .Validate(o => o.RecentWindow > 0 && o.HistoryTokenBudget > 0, "Dialogs:RecentWindow and Dialogs:HistoryTokenBudget must be positive.")
            .Validate(o => o.RecoveryPeriod >= TimeSpan.FromSeconds(1) && o.RecoveryAge > TimeSpan.Zero,
                "Dialogs:RecoveryPeriod must be at least one second and Dialogs:RecoveryAge positive.")
            .Validate(o => o.AccountFeedInterval > TimeSpan.Zero && o.ChannelTypingDelay > TimeSpan.Zero && o.StateFlushDelay > TimeSpan.Zero,
                "Dialogs:AccountFeedInterval, ChannelTypingDelay and StateFlushDelay must be positive.")
            .Validate(o => o.DeliveryRetryDelay > TimeSpan.Zero && o.DeliveryRetries >= 0, "Dialogs:DeliveryRetryDelay must be positive and DeliveryRetries not negative.")
            .ValidateOnStart();
        silo.Services.TryAddSingleton<DialogChannels>();
        silo.Services.AddSingleton<IDialogChannel, TelegramChannel>();
        silo.Services.AddHostedService<DialogRecoveryStarter>();
        silo.Services.AddOptions<TelegramOptions>().Bind(configuration.GetSection(TelegramOptions.Section))
            .Validate(o => Uri.TryCreate(o.ApiBaseUrl, UriKind.Absolute, out _), "Telegram:ApiBaseUrl must be an absolute URL.")
            .Validate(o => o.PollTimeout > TimeSpan.Zero && o.PerBotPerSecond > 0, "Telegram:PollTimeout and Telegram:PerBotPerSecond must be positive.")
            .Validate(o => o.KeepAlivePeriod >= TimeSpan.FromSeconds(1), "Telegram:KeepAlivePeriod must be at least one second.")
            .Validate(o => o.RetryDelay > TimeSpan.Zero && o.RetryDelay <= TimeSpan.FromSeconds(30), "Telegram:RetryDelay must be between 0 and 30 seconds.")
            .Validate(o => o.MaxCallConnections > 0 && o.MaxPollConnections > 0 && o.MaxActionConnections > 0 && o.MaxTypingInFlight > 0,
                "Telegram:MaxCallConnections, MaxPollConnections, MaxActionConnections and MaxTypingInFlight must be positive.")
            .Validate(o => o.ConflictGracePeriod >= TimeSpan.Zero && o.PrivateChatInterval >= TimeSpan.Zero && o.GroupChatInterval >= TimeSpan.Zero,
                "Telegram:ConflictGracePeriod, PrivateChatInterval and GroupChatInterval must not be negative.")
            .ValidateOnStart();
        // Orleans refuses reminders shorter than a minute by default; a shorter bot keep-alive or recovery sweep
        // (tests, or a deployment that wants bots and dialogs back sooner after a crash) lowers that floor.
        silo.Services.AddOptions<ReminderOptions>().Configure<Microsoft.Extensions.Options.IOptions<TelegramOptions>, Microsoft.Extensions.Options.IOptions<DialogOptions>>(
            (reminders, telegram, dialogs) => reminders.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(reminders.MinimumReminderPeriod.Ticks,
                Math.Min(telegram.Value.KeepAlivePeriod.Ticks, dialogs.Value.RecoveryPeriod.Ticks))));
        silo.Services.TryAddSingleton<TelegramClients>();
        silo.Services.TryAddSingleton<AiProviderClient>();
        var configuredProviders = ConfiguredProviders.Read(configuration);
        if (configuredProviders.Count > 0)
        {
            // Registered inside the silo's services, after the silo itself: it runs once grains can be called.
            silo.Services.AddHostedService(sp => new ConfiguredProvidersService(configuredProviders,
                sp.GetRequiredService<IGrainFactory>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ConfiguredProvidersService>>()));
        }
        silo.Services.TryAddSingleton<AiRouter>();
        silo.Services.AddOptions<LoginThrottleOptions>()
            .Bind(configuration.GetSection(LoginThrottleOptions.Section))
            .Validate(o => o.FreeAttempts > 0, $"{LoginThrottleOptions.Section}:FreeAttempts must be positive.")
            .Validate(o => o.BaseLockout > TimeSpan.Zero && o.MaxLockout >= o.BaseLockout,
                $"{LoginThrottleOptions.Section}:BaseLockout must be positive and not above MaxLockout.")
            .ValidateOnStart();
        return silo;
    }

    /// <summary>The domain stores: PostgreSQL with <c>Storage:Provider=Postgres</c>, in memory otherwise.</summary>
    public static IServiceCollection AddReplyXStores(this IServiceCollection services, StorageSettings storage)
    {
        services.TryAddSingleton(storage);
        services.AddDataProtection().SetApplicationName("ReplyX");
        services.TryAddSingleton<ISecretProtector, SecretProtector>();
        if (storage.Provider == StorageProvider.Postgres)
        {
            // One key ring for the whole cluster; the embedded default keeps Data Protection's own file store.
            services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new PostgresXmlRepository(db));
        }
        switch (storage.Provider)
        {
            case StorageProvider.Postgres:
                services.TryAddSingleton(_ => NpgsqlDataSource.Create(storage.PostgresConnectionString!));
                services.TryAddSingleton<DatabaseMigrator>();
                services.TryAddSingleton<IAccountStore, PostgresAccountStore>();
                services.TryAddSingleton<IRefreshTokenStore, PostgresRefreshTokenStore>();
                services.TryAddSingleton<IAuditStore, PostgresAuditStore>();
                services.TryAddSingleton<IAiTokenStore, PostgresAiTokenStore>();
                services.TryAddSingleton<IAiUsageStore, PostgresAiUsageStore>();
                services.TryAddSingleton<IAssistantStore, PostgresAssistantStore>();
                services.TryAddSingleton<IDialogStore, PostgresDialogStore>();
                services.TryAddSingleton<IBotStore, PostgresBotStore>();
                break;
            default:
                services.TryAddSingleton<IAccountStore, InMemoryAccountStore>();
                services.TryAddSingleton<IRefreshTokenStore, InMemoryRefreshTokenStore>();
                services.TryAddSingleton<IAuditStore, InMemoryAuditStore>();
                services.TryAddSingleton<IAiTokenStore, InMemoryAiTokenStore>();
                services.TryAddSingleton<IAiUsageStore, InMemoryAiUsageStore>();
                services.TryAddSingleton<IAssistantStore, InMemoryAssistantStore>();
                services.TryAddSingleton<IDialogStore, InMemoryDialogStore>();
                services.TryAddSingleton<IBotStore, InMemoryBotStore>();
                break;
        }
        return services;
    }

    internal static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        // A silo must keep retrying a Redis that restarts rather than die at the first failed connect.
        options.AbortOnConnectFail = false;
        return options;
    }

    private static IPAddress AdvertisedAddress(ClusterSettings cluster)
    {
        if (cluster.AdvertisedIPAddress is { } configured)
        {
            return IPAddress.Parse(configured);
        }
        var candidate = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        return candidate ?? IPAddress.Loopback;
    }
}
