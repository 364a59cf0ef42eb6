using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using ReplyX.Hosting;
using StackExchange.Redis;

namespace ReplyX.Api.Hosting;

public static class ClusterClientHosting
{
    /// <summary>Connects this API node to a cluster of pure silos as an Orleans client.</summary>
    public static IHostApplicationBuilder UseReplyXClusterClient(this IHostApplicationBuilder builder)
    {
        var cluster = builder.Services.AddReplyXCluster(builder.Configuration);
        var dashboard = builder.Services.AddReplyXOrleansDashboardOptions(builder.Configuration);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId.Trim();
                o.ServiceId = cluster.ServiceId.Trim();
            });
            if (cluster.Membership == ClusteringMode.Redis)
            {
                client.UseRedisClustering(o =>
                {
                    var options = ConfigurationOptions.Parse(builder.Configuration[ReplyXClusterOptions.RedisConnectionKey]!);
                    options.AbortOnConnectFail = false;
                    o.ConfigurationOptions = options;
                });
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId.Trim(), cluster.ClusterId.Trim());
            }
            client.AddMemoryStreams(StreamNames.Provider);
            if (dashboard.Enabled)
            {
                client.AddDashboard(o => dashboard.CopyTo(o)); // the silos collect, this node serves the pages
            }
        });
        return builder;
    }
}
