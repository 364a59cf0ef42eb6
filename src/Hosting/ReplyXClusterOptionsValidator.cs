using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ReplyX.Hosting;

/// <summary>
/// Ports, ids and the advertised address of <see cref="ReplyXClusterOptions"/>, and the Redis connection string
/// that Redis membership needs (<c>ConnectionStrings:Redis</c>, outside the section: hence the configuration).
/// </summary>
public sealed class ReplyXClusterOptionsValidator(IConfiguration configuration) : IValidateOptions<ReplyXClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ReplyXClusterOptions options)
    {
        var failures = new OptionsFailures(ReplyXClusterOptions.Section);
        failures.NotEmpty(nameof(options.ClusterId), options.ClusterId);
        failures.NotEmpty(nameof(options.ServiceId), options.ServiceId);
        Port(failures, nameof(options.SiloPort), options.SiloPort);
        Port(failures, nameof(options.GatewayPort), options.GatewayPort);
        if (!string.IsNullOrWhiteSpace(options.AdvertisedIPAddress) && !IPAddress.TryParse(options.AdvertisedIPAddress.Trim(), out _))
        {
            failures.Add($"{failures.Key(nameof(options.AdvertisedIPAddress))} is '{options.AdvertisedIPAddress}'; expected an IP address.");
        }
        var redis = configuration[ReplyXClusterOptions.RedisConnectionKey];
        if (options.Membership == ClusteringMode.Redis && string.IsNullOrWhiteSpace(redis))
        {
            failures.Add($"{ReplyXClusterOptions.RedisConnectionKey} is required when {failures.Key(nameof(options.Membership))} is Redis.");
        }
        else if (!string.IsNullOrWhiteSpace(redis))
        {
            try
            {
                ConfigurationOptions.Parse(redis);
            }
            catch (ArgumentException ex)
            {
                // The message names the bad keyword, never the password.
                failures.Add($"{ReplyXClusterOptions.RedisConnectionKey} is not a valid Redis connection string: {ex.Message}");
            }
        }
        if (options.SiloPort == options.GatewayPort && !failures.Any)
        {
            failures.Add($"{failures.Key(nameof(options.SiloPort))} and {failures.Key(nameof(options.GatewayPort))} must differ (both are {options.SiloPort}).");
        }
        return failures.ToValidation();
    }

    private static void Port(OptionsFailures failures, string name, int port)
    {
        if (port is <= 0 or > 65535)
        {
            failures.Add($"{failures.Key(name)} is '{port}'; expected a TCP port between 1 and 65535.");
        }
    }
}
