using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Api.Dialogs;

/// <summary>The <c>EventStreams</c> section: Server-Sent Events connections of this node.</summary>
public sealed class EventStreamOptions
{
    public const string Section = "EventStreams";

    /// <summary>
    /// Open event streams this node accepts; above it new ones get 503 with <c>Retry-After</c>. Null: three
    /// quarters of the process's descriptor limit (each stream holds one socket), at most 50,000.
    /// </summary>
    public int? MaxConnections { get; set; }

    /// <summary>A comment line on an idle stream, so proxies and browsers keep it open.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Live events buffered per connection while the client reads slowly; beyond it they are read back from the store.</summary>
    public int BufferPerConnection { get; set; } = 256;

    public int EffectiveMaxConnections => MaxConnections ?? DefaultMaxConnections(DescriptorLimit.Soft());

    public static int DefaultMaxConnections(long? descriptorLimit) =>
        descriptorLimit is { } limit ? (int)Math.Clamp(limit * 3 / 4, 16, 50_000) : 10_000;
}

public sealed class EventStreamOptionsValidator : IValidateOptions<EventStreamOptions>
{
    public ValidateOptionsResult Validate(string? name, EventStreamOptions options)
    {
        var failures = new OptionsFailures(EventStreamOptions.Section)
            .Between(nameof(options.PingInterval), options.PingInterval, TimeSpan.Zero, TimeSpan.FromMinutes(5), "more than 0 and at most 5 minutes")
            .Between(nameof(options.BufferPerConnection), options.BufferPerConnection, 1, 100_000);
        if (options.MaxConnections is { } max)
        {
            failures.Between(nameof(options.MaxConnections), max, 1, 1_000_000);
            if (DescriptorLimit.Soft() is { } limit && max >= limit)
            {
                failures.Add($"{EventStreamOptions.Section}:{nameof(options.MaxConnections)} is {max}, not below this process's descriptor limit ({limit}): " +
                    "raise the limit (ulimit -n) or lower the setting.");
            }
        }
        return failures.ToValidation();
    }
}

/// <summary>The process's soft limit of open descriptors (Linux: <c>/proc/self/limits</c>); null where unknown.</summary>
public static class DescriptorLimit
{
    public static long? Soft()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(fields[0], out var soft) ? soft : null; // "unlimited" is no limit to stay below
                }
            }
        }
        catch (IOException)
        {
            // not Linux: no known limit
        }
        catch (UnauthorizedAccessException)
        {
            // not readable here: no known limit
        }
        return null;
    }
}
