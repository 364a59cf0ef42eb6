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
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TokenService>((o, tokens) =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = tokens.ValidationParameters();
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorsApi.OwnerPolicy, p => p.RequireAuthenticatedUser().RequireRole("owner").RequireClaim(ReplyXClaims.AccountId))
            .AddPolicy(OperatorsApi.StaffPolicy, p => p.RequireAuthenticatedUser().RequireRole("owner", "operator").RequireClaim(ReplyXClaims.AccountId))
            .AddPolicy(AdminApi.AdminPolicy, p => p.RequireAuthenticatedUser().RequireRole("admin"));
        return services;
    }
}
