namespace ReplyX.Hosting;

public enum ClusteringMode
{
    Localhost,
    Redis,
}

/// <summary>
/// The <c>Cluster</c> section, shared by silos and by the stand-alone API (an Orleans client): both must agree
/// on the cluster and service ids and on where membership lives. Read while the host is built
/// (<see cref="ClusterHosting.AddReplyXCluster"/>), since clustering is chosen then.
/// </summary>
/// <remarks>
/// Not named <c>ClusterOptions</c>: Orleans has one (the ids it is given from here). The section is not named
/// <c>Orleans</c>: Orleans 10 reads that section itself (<c>Orleans:Clustering:ProviderType</c>, …) and refuses
/// to start when <c>Orleans:Clustering</c> holds a plain value. <c>Cluster:Liveness</c> is Orleans'
/// <c>ClusterMembershipOptions</c>, bound by the silo.
/// </remarks>
public sealed class ReplyXClusterOptions
{
    public const string Section = "Cluster";
    public const string RedisConnectionKey = "ConnectionStrings:Redis";

    public ClusteringMode Membership { get; set; } = ClusteringMode.Localhost;
    public string ClusterId { get; set; } = "replyx";
    public string ServiceId { get; set; } = "replyx";
    public int SiloPort { get; set; } = 11111;
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients use to reach this silo; empty: the first non-loopback address (Redis) or loopback (Localhost).</summary>
    public string? AdvertisedIPAddress { get; set; }
}
