using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using ReplyX.Assistants;

namespace ReplyX.Api.Widget;

/// <summary>
/// CORS per assistant for the widget's routes: <c>/api/widget/{assistantId}/…</c> answers only the origins
/// that assistant allows; <c>/api/widget/dialogs/…</c> answers any origin, because there the session token
/// (bound to its origin, and never a cookie) is what is checked. No credentials either way. Every other
/// policy is the configured one.
/// </summary>
public sealed class WidgetCorsPolicyProvider(IOptions<CorsOptions> options, IGrainFactory grains) : ICorsPolicyProvider
{
    private static readonly string[] Headers = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"];

    public async Task<CorsPolicy?> GetPolicyAsync(HttpContext context, string? policyName)
    {
        if (policyName != WidgetApi.CorsPolicy)
        {
            return options.Value.GetPolicy(policyName ?? options.Value.DefaultPolicyName);
        }
        var builder = new CorsPolicyBuilder().WithHeaders(Headers).WithMethods("GET", "POST").SetPreflightMaxAge(TimeSpan.FromMinutes(10));
        var segments = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) ?? [];
        // api / widget / {assistantId} / …
        if (segments.Length >= 3 && Guid.TryParse(segments[2], out var assistantId))
        {
            var origins = WidgetApi.AllowedOrigins(await grains.GetGrain<IAssistantGrain>(assistantId).Widget()).ToArray();
            return origins.Length == 0 ? builder.Build() : builder.WithOrigins(origins).Build();
        }
        return builder.AllowAnyOrigin().Build();
    }
}
