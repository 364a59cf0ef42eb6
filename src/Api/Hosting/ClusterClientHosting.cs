using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using ReplyX.Hosting;
using StackExchange.Redis;

namespace ReplyX.Api.Hosting;

public static class ClusterClientHosting
{
    /// <summary>Connects this API node to a cluster of pure silos as an Orleans client.</summary>
    public static IHostApplicationBuilder UseReplyXClusterClient(this IHostApplicationBuilder builder)
    {
        var cluster = ClusterSettings.Read(builder.Configuration);
        builder.Services.AddSingleton(cluster);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            });
            if (cluster.Membership == ClusteringMode.Redis)
            {
                client.UseRedisClustering(o =>
                {
                    var options = ConfigurationOptions.Parse(cluster.RedisConnectionString!);
                    options.AbortOnConnectFail = false;
                    o.ConfigurationOptions = options;
                });
            }
            else
            {
                client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
            }
            client.AddMemoryStreams(StreamNames.Provider);
        });
        return builder;
    }
}
