using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using ReplyX.Accounts;
using ReplyX.Ai;
using ReplyX.Bots;
using ReplyX.Dialogs;
using ReplyX.Knowledge;
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
        var cluster = builder.Services.AddReplyXCluster(builder.Configuration);
        var storage = builder.Configuration.ReadValidated(StorageOptions.Section, new StorageOptionsValidator(builder.Configuration));
        if (storage.Provider == StorageProvider.Postgres && storage.MigrateOnStart)
        {
            // Registered before UseOrleans: hosted services start in registration order, and the ADO.NET
            // providers read Orleans' query table once when the silo starts.
            builder.Services.AddHostedService<MigrationHostedService>();
        }

        var dashboard = builder.Services.AddReplyXOrleansDashboardOptions(builder.Configuration);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId.Trim();
                o.ServiceId = cluster.ServiceId.Trim();
            });

            switch (cluster.Membership)
            {
                case ClusteringMode.Localhost:
                    silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, null, cluster.ServiceId.Trim(), cluster.ClusterId.Trim());
                    break;
                case ClusteringMode.Redis:
                    silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(builder.Configuration[ReplyXClusterOptions.RedisConnectionKey]!));
                    silo.ConfigureEndpoints(AdvertisedAddress(cluster), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
                    break;
            }

            // Membership timings (probe timeouts, votes) are tunable per deployment; tests shorten them.
            silo.Services.AddValidatedOptions<ClusterMembershipOptions, LivenessOptionsValidator>(LivenessOptionsValidator.Section);
            silo.AddReplyXGrains(builder.Configuration);
            if (dashboard.Enabled)
            {
                // Every silo reports to the Orleans Dashboard (its grain profiler only measures while someone looks).
                silo.AddDashboard(o => dashboard.CopyTo(o));
            }
        });
        return builder;
    }

    /// <summary>
    /// Everything a silo needs besides clustering: grain storage, reminders, the <c>events</c> stream
    /// provider, the domain stores and every feature's options and services. Also used by the test clusters.
    /// </summary>
    public static ISiloBuilder AddReplyXGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddReplyXStorage(configuration);
        silo.AddReplyXStreams();
        // Hosted services start in this order, all after the silo: dialog recovery, configured AI providers,
        // then the configured admin (after the migrator, registered before the silo, so the users table exists).
        silo.Services.AddReplyXDialogs();
        silo.Services.AddReplyXKnowledge();
        silo.Services.AddReplyXBots();
        silo.Services.AddReplyXAi();
        silo.Services.AddReplyXAccounts();
        ReplyX.Billing.BillingHosting.AddReplyXBilling(silo.Services);

        // Orleans refuses reminders shorter than a minute by default; a shorter bot keep-alive or recovery sweep
        // (tests, or a deployment that wants bots and dialogs back sooner after a crash) lowers that floor.
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<TelegramOptions>, IOptions<DialogOptions>>(
            (reminders, telegram, dialogs) => reminders.MinimumReminderPeriod = TimeSpan.FromTicks(Math.Min(reminders.MinimumReminderPeriod.Ticks,
                Math.Min(telegram.Value.KeepAlivePeriod.Ticks, dialogs.Value.RecoveryPeriod.Ticks))));
        return silo;
    }

    internal static ConfigurationOptions RedisOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        // A silo must keep retrying a Redis that restarts rather than die at the first failed connect.
        options.AbortOnConnectFail = false;
        return options;
    }

    private static IPAddress AdvertisedAddress(ReplyXClusterOptions cluster)
    {
        if (!string.IsNullOrWhiteSpace(cluster.AdvertisedIPAddress))
        {
            return IPAddress.Parse(cluster.AdvertisedIPAddress.Trim());
        }
        var candidate = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        return candidate ?? IPAddress.Loopback;
    }
}
