using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ReplyX.Hosting;

public static class ClusterHosting
{
    /// <summary>
    /// Reads the <c>Cluster</c> section now (clustering is configured while the host is built) and registers the
    /// same options, with the same validator, for the services that need them later.
    /// </summary>
    public static ReplyXClusterOptions AddReplyXCluster(this IServiceCollection services, IConfiguration configuration)
    {
        var cluster = configuration.ReadValidated(ReplyXClusterOptions.Section, new ReplyXClusterOptionsValidator(configuration));
        services.AddValidatedOptions<ReplyXClusterOptions, ReplyXClusterOptionsValidator>(ReplyXClusterOptions.Section);
        return cluster;
    }
}
