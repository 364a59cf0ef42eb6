using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ReplyX.Api.Accounts;
using ReplyX.Hosting;

namespace ReplyX.Api.Hosting;

internal static class RateLimits
{
    /// <summary>
    /// Per signed-in user across the whole API (token bucket, <c>RateLimits:UserPerMinute</c>) and per client
    /// address on the anonymous auth endpoints (<c>RateLimits:AuthPerMinute</c>); 429 with <c>Retry-After</c> above them.
    /// </summary>
    public static IServiceCollection AddReplyXRateLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidator>(RateLimitOptions.Section);
        services.AddSingleton<ReplyX.Api.Bots.WebhookRefusals>();
        services.AddReplyXWebhookSecrets();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 10;
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ProblemResponses.Write(http, StatusCodes.Status429TooManyRequests, "Too many requests.", $"Try again in {seconds} s.");
            };
        });
        services.AddValidatedOptions<ReplyX.Api.Widget.WidgetOptions, ReplyX.Api.Widget.WidgetOptionsValidator>(ReplyX.Api.Widget.WidgetOptions.Section);
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>, IOptions<ReplyX.Api.Widget.WidgetOptions>>((o, options, widgetOptions) =>
        {
            var limits = options.Value;
            // Per signed-in user across the whole API, so one tenant's script cannot starve the others.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.User.FindFirst(ReplyXClaims.UserId)?.Value is { } userId
                    ? RateLimitPartition.GetTokenBucketLimiter("user:" + userId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.UserPerMinute,
                        TokensPerPeriod = Math.Max(1, limits.UserPerMinute / 6),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(10),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter("anonymous"));
            // The widget: per address (many visitors may share one), per address for new sessions, per visitor for messages.
            var widget = widgetOptions.Value;
            o.AddPolicy(ReplyX.Api.Widget.WidgetApi.AddressLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                "widget:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = widget.RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy(ReplyX.Api.Widget.WidgetApi.SessionLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                "widget-session:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = widget.SessionsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.AddPolicy(ReplyX.Api.Widget.WidgetApi.MessageLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                "widget-visitor:" + (http.Request.RouteValues["dialogId"]?.ToString() ?? "unknown"),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = widget.MessagesPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            // Per client address on the anonymous auth endpoints: slows credential stuffing before the per-login lockout.
            o.AddPolicy(AuthApi.AuthRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limits.AuthPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return services;
    }
}
