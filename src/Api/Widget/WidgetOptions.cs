using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Api.Widget;

/// <summary>The <c>Widget</c> section: the web-site widget's sessions and its limits.</summary>
public sealed class WidgetOptions
{
    public const string Section = "Widget";

    /// <summary>How long a visitor's session (and so their conversation) survives page loads.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>New sessions per client address and minute.</summary>
    public int SessionsPerMinute { get; set; } = 20;

    /// <summary>Messages per visitor (session) and minute.</summary>
    public int MessagesPerMinute { get; set; } = 20;

    /// <summary>All widget requests per client address and minute (many visitors can share one address).</summary>
    public int RequestsPerMinute { get; set; } = 600;
}

public sealed class WidgetOptionsValidator : IValidateOptions<WidgetOptions>
{
    public ValidateOptionsResult Validate(string? name, WidgetOptions options) =>
        new OptionsFailures(WidgetOptions.Section)
            .Between(nameof(options.SessionLifetime), options.SessionLifetime, TimeSpan.FromMinutes(1), TimeSpan.FromDays(365), "more than 1 minute and at most 365 days")
            .Positive(nameof(options.SessionsPerMinute), options.SessionsPerMinute)
            .Positive(nameof(options.MessagesPerMinute), options.MessagesPerMinute)
            .Positive(nameof(options.RequestsPerMinute), options.RequestsPerMinute)
            .ToValidation();
}
