using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>
/// The <c>OrleansDashboard</c> section: the Orleans Dashboard every silo reports to and the API serves under
/// <see cref="Path"/> to admins. Set the same on every silo and API node of a cluster.
/// </summary>
public sealed class OrleansDashboardOptions
{
    public const string Section = "OrleansDashboard";

    /// <summary>Where the API host serves the dashboard (admins only).</summary>
    public const string Path = "/admin/orleans";

    /// <summary><c>false</c>: silos collect nothing for it and the API does not serve it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often each silo samples its counters, in milliseconds (at least 1000).</summary>
    public int CounterUpdateIntervalMs { get; set; } = 1000;

    /// <summary>How many samples of each metric the dashboard keeps.</summary>
    public int HistoryLength { get; set; } = 100;

    /// <summary>Live log streaming (the dashboard's "Log Stream" page); off by default: logs can carry customers' data.</summary>
    public bool LogStream { get; set; }
}

public sealed class OrleansDashboardOptionsValidator : IValidateOptions<OrleansDashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansDashboardOptions options) =>
        new OptionsFailures(OrleansDashboardOptions.Section)
            .Between(nameof(options.CounterUpdateIntervalMs), options.CounterUpdateIntervalMs, 1000, 60_000)
            .Between(nameof(options.HistoryLength), options.HistoryLength, 1, 10_000)
            .ToValidation();
}

public static class OrleansDashboardHosting
{
    /// <summary>Reads and validates the section now (it decides what the host registers) and again when the host starts.</summary>
    public static OrleansDashboardOptions AddReplyXOrleansDashboardOptions(this Microsoft.Extensions.DependencyInjection.IServiceCollection services,
        Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        var options = configuration.ReadValidated(OrleansDashboardOptions.Section, new OrleansDashboardOptionsValidator());
        services.AddValidatedOptions<OrleansDashboardOptions, OrleansDashboardOptionsValidator>(OrleansDashboardOptions.Section);
        return options;
    }

    /// <summary>Our settings on the dashboard's own options.</summary>
    public static void CopyTo(this OrleansDashboardOptions source, Orleans.Dashboard.DashboardOptions target)
    {
        target.CounterUpdateIntervalMs = source.CounterUpdateIntervalMs;
        target.HistoryLength = source.HistoryLength;
        target.HideTrace = !source.LogStream;
    }
}
