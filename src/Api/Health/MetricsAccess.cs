using System.Net;
using Microsoft.Extensions.Options;
using ReplyX.Api.Hosting;
using ReplyX.Hosting;

namespace ReplyX.Api.Health;

/// <summary>
/// The <c>Metrics</c> section: who may read <c>/metrics</c>. It holds per-bot series and business counters,
/// so only the machine itself (loopback) and the listed networks (CIDR) get it. Prometheus on another host
/// is let in by its network, e.g. <c>Metrics:AllowedNetworks:0=10.0.0.0/8</c>.
/// </summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    public List<string> AllowedNetworks { get; set; } = [];

    internal IReadOnlyList<IPNetwork> Networks() =>
        [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128"), .. AllowedNetworks.Select(n => IPNetwork.Parse(n.Trim()))];
}

public sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var failures = new OptionsFailures(MetricsOptions.Section);
        for (var i = 0; i < options.AllowedNetworks.Count; i++)
        {
            if (!IPNetwork.TryParse(options.AllowedNetworks[i]?.Trim(), out _))
            {
                failures.Add($"{failures.Key($"{nameof(options.AllowedNetworks)}:{i}")} is '{options.AllowedNetworks[i]}'; expected a network such as 10.0.0.0/8 or ::1/128.");
            }
        }
        return failures.ToValidation();
    }
}

internal static class MetricsAccess
{
    /// <summary>Answers 404 (as for any unknown path) to a caller outside the allowed networks.</summary>
    public static WebApplication UseReplyXMetricsAccess(this WebApplication app, string path)
    {
        var networks = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.Networks();
        app.UseWhen(context => context.Request.Path.StartsWithSegments(path), branch => branch.Use((context, next) =>
        {
            if (Allowed(networks, context.Connection.RemoteIpAddress))
            {
                return next(context);
            }
            return ProblemResponses.Write(context, StatusCodes.Status404NotFound, "Not found.");
        }));
        return app;
    }

    internal static bool Allowed(IReadOnlyList<IPNetwork> networks, IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return networks.Any(n => n.Contains(address));
    }
}
