using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using ReplyX.Api.Accounts;
using ReplyX.Hosting;

namespace ReplyX.Api.Hosting;

internal static class Cors
{
    /// <summary>
    /// The dashboard may live on another origin (<c>Cors:Origins</c>); the refresh cookie needs credentials, so
    /// origins are explicit. With none, the API answers its own origin only.
    /// </summary>
    public static IServiceCollection AddReplyXCors(this IServiceCollection services)
    {
        services.AddValidatedOptions<ApiCorsOptions, ApiCorsOptionsValidator>(ApiCorsOptions.Section);
        services.AddCors();
        services.AddSingleton<ICorsPolicyProvider, ReplyX.Api.Widget.WidgetCorsPolicyProvider>();
        services.AddOptions<CorsOptions>().Configure<IOptions<ApiCorsOptions>>((o, cors) =>
        {
            if (cors.Value.Origins.Count > 0)
            {
                o.AddDefaultPolicy(p => p
                    .WithOrigins([.. cors.Value.Origins])
                    .AllowCredentials()
                    .WithHeaders("Authorization", "Content-Type", AuthApi.CsrfHeader, "Idempotency-Key", "Last-Event-ID")
                    .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                    .SetPreflightMaxAge(TimeSpan.FromHours(1)));
            }
        });
        return services;
    }

    public static WebApplication UseReplyXCors(this WebApplication app)
    {
        // Always on: the widget's routes have their own policy; the rest only when Cors:Origins names any.
        app.UseCors();
        return app;
    }
}
