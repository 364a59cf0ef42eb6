using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReplyX.Api.Admin;
using ReplyX.Hosting;

namespace ReplyX.Api.Accounts;

public static class AuthHosting
{
    /// <summary>Access tokens (JWT bearer), the refresh-token service and the role policies.</summary>
    public static IServiceCollection AddReplyXAuth(this IServiceCollection services)
    {
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.TryAddSingleton<JwtSigningKey>();
        services.TryAddSingleton<TokenService>();
        services.TryAddSingleton<SessionVersions>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TokenService>((o, tokens) =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = tokens.ValidationParameters();
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = RefuseRevoked,
                OnMessageReceived = context =>
                {
                    context.Token ??= OrleansDashboardApi.TokenFor(context.Request);
                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorsApi.OwnerPolicy, p => p.RequireAuthenticatedUser().RequireRole("owner").RequireClaim(ReplyXClaims.AccountId))
            .AddPolicy(OperatorsApi.StaffPolicy, p => p.RequireAuthenticatedUser().RequireRole("owner", "operator").RequireClaim(ReplyXClaims.AccountId))
            .AddPolicy(AdminApi.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole("admin"));
        return services;
    }

    /// <summary>A well-signed token whose user has since been blocked, demoted, removed or signed out is refused.</summary>
    private static async Task RefuseRevoked(TokenValidatedContext context)
    {
        var principal = context.Principal;
        if (!Guid.TryParse(principal?.FindFirst(ReplyXClaims.UserId)?.Value, out var userId)
            || !long.TryParse(principal?.FindFirst(ReplyXClaims.SessionVersion)?.Value, System.Globalization.CultureInfo.InvariantCulture, out var version)
            || !await context.HttpContext.RequestServices.GetRequiredService<SessionVersions>().IsCurrent(userId, version))
        {
            context.Fail("The token was revoked; sign in again.");
        }
    }
}
