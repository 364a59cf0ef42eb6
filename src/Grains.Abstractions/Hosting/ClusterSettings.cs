using Microsoft.Extensions.Configuration;

namespace ReplyX.Hosting;

public enum ClusteringMode
{
    Localhost,
    Redis,
}

/// <summary>
/// The <c>Cluster</c> configuration section, shared by silos and by the stand-alone API (an Orleans client):
/// both must agree on the cluster and service ids and on where membership lives.
/// </summary>
/// <remarks>
/// Not named <c>Orleans</c>: Orleans 10 reads that section itself (<c>Orleans:Clustering:ProviderType</c>, …)
/// and refuses to start when <c>Orleans:Clustering</c> holds a plain value.
/// </remarks>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";
    public const string RedisConnectionKey = "ConnectionStrings:Redis";

    public ClusteringMode Membership { get; init; } = ClusteringMode.Localhost;
    public string ClusterId { get; init; } = "replyx";
    public string ServiceId { get; init; } = "replyx";
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;

    /// <summary>The address other silos and clients use to reach this silo; empty: the first non-loopback address (Redis) or loopback (Localhost).</summary>
    public string? AdvertisedIPAddress { get; init; }

    public string? RedisConnectionString { get; init; }

    /// <summary>
    /// Reads and validates the section. Every problem names the configuration key at fault, so a wrong
    /// deployment stops at start-up with an actionable message instead of failing later.
    /// </summary>
    public static ClusterSettings Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var section = configuration.GetSection(Section);
        var settings = new ClusterSettings
        {
            Membership = ConfigurationReader.ParseEnum(section, nameof(Membership), ClusteringMode.Localhost, errors),
            ClusterId = ConfigurationReader.RequiredText(section, nameof(ClusterId), "replyx", errors),
            ServiceId = ConfigurationReader.RequiredText(section, nameof(ServiceId), "replyx", errors),
            SiloPort = ConfigurationReader.ParsePort(section, nameof(SiloPort), 11111, errors),
            GatewayPort = ConfigurationReader.ParsePort(section, nameof(GatewayPort), 30000, errors),
            AdvertisedIPAddress = ConfigurationReader.OptionalIpAddress(section, nameof(AdvertisedIPAddress), errors),
            RedisConnectionString = configuration[RedisConnectionKey],
        };
        if (settings.Membership == ClusteringMode.Redis && string.IsNullOrWhiteSpace(settings.RedisConnectionString))
        {
            errors.Add($"{RedisConnectionKey} is required when {Section}:{nameof(Membership)} is Redis.");
        }
        if (settings.SiloPort == settings.GatewayPort && errors.Count == 0)
        {
            errors.Add($"{Section}:{nameof(SiloPort)} and {Section}:{nameof(GatewayPort)} must differ (both are {settings.SiloPort}).");
        }
        ConfigurationReader.ThrowIfAny(errors);
        return settings;
    }
}
