using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Api.Hosting;

/// <summary>
/// The <c>Api</c> section. <see cref="Enabled"/> is read by the silo host while it is built (it decides what
/// the process serves); the stand-alone API node ignores it.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary><c>false</c> makes a pure silo: only /health and /metrics over HTTP.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Largest request body accepted (413 above it); endpoints that take files raise it with <c>[RequestSizeLimit]</c>.</summary>
    public long MaxRequestBodyBytes { get; set; } = RequestLimits.DefaultMaxBodyBytes;
}

public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options) =>
        new OptionsFailures(ApiOptions.Section).Positive(nameof(options.MaxRequestBodyBytes), options.MaxRequestBodyBytes).ToValidation();
}

/// <summary>The <c>RateLimits</c> section: permits per minute, per client address on /api/auth/* and per signed-in user across the API.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    public int AuthPerMinute { get; set; } = 30;
    public int UserPerMinute { get; set; } = 600;

    /// <summary>Webhook deliveries with a wrong secret accepted (as 401) per address and minute before 429.</summary>
    public int WebhookRefusalsPerMinute { get; set; } = 60;
}

public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        new OptionsFailures(RateLimitOptions.Section)
            .Positive(nameof(options.AuthPerMinute), options.AuthPerMinute)
            .Positive(nameof(options.UserPerMinute), options.UserPerMinute)
            .Positive(nameof(options.WebhookRefusalsPerMinute), options.WebhookRefusalsPerMinute)
            .ToValidation();
}

/// <summary>The <c>Cors</c> section: dashboard origins allowed to call the API with credentials; none: same origin only.</summary>
public sealed class ApiCorsOptions
{
    public const string Section = "Cors";

    public List<string> Origins { get; set; } = [];
}

/// <summary>
/// Each origin must be what a browser sends in <c>Origin</c>: scheme, host and optional port. A path or a
/// trailing slash would never match, and <c>*</c> cannot be combined with credentials.
/// </summary>
public sealed class ApiCorsOptionsValidator : IValidateOptions<ApiCorsOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiCorsOptions options)
    {
        var failures = new OptionsFailures(ApiCorsOptions.Section);
        for (var i = 0; i < options.Origins.Count; i++)
        {
            var origin = options.Origins[i];
            var isOrigin = Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                && uri.AbsolutePath == "/" && !origin.EndsWith('/') && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
            if (!isOrigin)
            {
                failures.Add($"{failures.Key($"{nameof(options.Origins)}:{i}")} is '{origin}'; expected an origin such as https://app.example.com (scheme, host and optional port, no path).");
            }
        }
        return failures.ToValidation();
    }
}
