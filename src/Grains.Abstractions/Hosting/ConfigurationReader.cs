using System.Net;
using Microsoft.Extensions.Configuration;

namespace ReplyX.Hosting;

/// <summary>A configuration value that is missing or wrong; the message names every key at fault.</summary>
public sealed class ReplyXConfigurationException(IReadOnlyList<string> errors)
    : Exception("Invalid configuration: " + string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>Small parsing helpers whose error messages carry the full configuration key.</summary>
public static class ConfigurationReader
{
    public static TEnum ParseEnum<TEnum>(IConfigurationSection section, string name, TEnum fallback, List<string> errors)
        where TEnum : struct, Enum
    {
        var raw = section[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        if (Enum.TryParse<TEnum>(raw.Trim(), ignoreCase: true, out var value) && Enum.IsDefined(value) && !int.TryParse(raw, out _))
        {
            return value;
        }
        errors.Add($"{section.Path}:{name} is '{raw}'; expected one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        return fallback;
    }

    public static int ParsePort(IConfigurationSection section, string name, int fallback, List<string> errors)
    {
        var raw = section[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        if (int.TryParse(raw, out var port) && port is > 0 and <= 65535)
        {
            return port;
        }
        errors.Add($"{section.Path}:{name} is '{raw}'; expected a TCP port between 1 and 65535.");
        return fallback;
    }

    public static bool ParseBool(IConfigurationSection section, string name, bool fallback, List<string> errors)
    {
        var raw = section[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        if (bool.TryParse(raw, out var value))
        {
            return value;
        }
        errors.Add($"{section.Path}:{name} is '{raw}'; expected true or false.");
        return fallback;
    }

    public static string RequiredText(IConfigurationSection section, string name, string fallback, List<string> errors)
    {
        var raw = section[name];
        if (raw is null)
        {
            return fallback;
        }
        if (string.IsNullOrWhiteSpace(raw))
        {
            errors.Add($"{section.Path}:{name} must not be empty.");
            return fallback;
        }
        return raw.Trim();
    }

    public static string? OptionalIpAddress(IConfigurationSection section, string name, List<string> errors)
    {
        var raw = section[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        if (IPAddress.TryParse(raw.Trim(), out _))
        {
            return raw.Trim();
        }
        errors.Add($"{section.Path}:{name} is '{raw}'; expected an IP address.");
        return null;
    }

    public static void ThrowIfAny(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new ReplyXConfigurationException(errors);
        }
    }
}
