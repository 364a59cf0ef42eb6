using ReplyX.Hosting;

namespace ReplyX.Silo;

/// <summary>What this process serves besides the silo (the <c>Api</c> section).</summary>
public sealed class HostSettings
{
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary><c>Api:Enabled=false</c> makes a pure silo: only /health and /metrics over HTTP.</summary>
    public bool ApiEnabled { get; init; } = true;

    public static HostSettings Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var settings = new HostSettings
        {
            ApiEnabled = ConfigurationReader.ParseBool(configuration.GetSection("Api"), "Enabled", true, errors),
        };
        ConfigurationReader.ThrowIfAny(errors);
        return settings;
    }

    /// <summary>ASP.NET Core's own ways to choose addresses win over our default port.</summary>
    public bool HasExplicitUrls(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
