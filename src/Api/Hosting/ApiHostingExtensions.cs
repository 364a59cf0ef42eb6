using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using FluentValidation;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.RateLimiting;
using ReplyX.Api.Accounts;
using ReplyX.Api.Admin;
using ReplyX.Api.Assistants;
using ReplyX.Api.Bots;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Prometheus;
using ReplyX.Api.Health;
using ReplyX.Web;
using Scalar.AspNetCore;

namespace ReplyX.Api.Hosting;

public static class ApiHostingExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// The operations surface every ReplyX process serves, pure silos included: health checks over what
    /// this node is configured to use, Prometheus metrics, ProblemDetails for errors.
    /// </summary>
    public static IHostApplicationBuilder AddReplyXOperations(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Always throw on unreadable requests so BadRequestExceptionHandler can say why (ProblemDetails).
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));

        var checks = services.AddHealthChecks()
            .AddCheck<OrleansClusterHealthCheck>("orleans", HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5));

        var postgres = builder.Configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            services.TryAddSingleton(_ => NpgsqlDataSource.Create(postgres));
            checks.AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5));
        }

        var redis = builder.Configuration.GetConnectionString("Redis");
        if (!string.IsNullOrWhiteSpace(redis))
        {
            services.TryAddSingleton(_ => new RedisConnection(redis));
            checks.AddCheck<RedisHealthCheck>("redis", HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5));
        }
        return builder;
    }

    /// <summary>The HTTP API and the web UI (on top of <see cref="AddReplyXOperations"/>).</summary>
    public static IHostApplicationBuilder AddReplyXApi(this IHostApplicationBuilder builder)
    {
        builder.AddReplyXOperations();
        var services = builder.Services;
        services.AddOpenApi();
        services.TryAddSingleton(TimeProvider.System);
        services.AddValidatorsFromAssemblyContaining<RegisterRequestValidator>(ServiceLifetime.Singleton);

        var auth = AuthSettings.Read(builder.Configuration);
        services.AddSingleton(auth);
        services.AddSingleton<TokenService>();
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

        var authPermitsPerMinute = builder.Configuration.GetValue("RateLimits:AuthPerMinute", 30);
        var userPermitsPerMinute = builder.Configuration.GetValue("RateLimits:UserPerMinute", 600);
        var corsOrigins = builder.Configuration.GetSection("Cors:Origins").Get<string[]>() ?? [];
        if (corsOrigins.Length > 0)
        {
            // The dashboard may live on another origin; the refresh cookie needs credentials, so origins are explicit.
            services.AddCors(o => o.AddDefaultPolicy(p => p
                .WithOrigins(corsOrigins)
                .AllowCredentials()
                .WithHeaders("Authorization", "Content-Type", AuthApi.CsrfHeader, "Idempotency-Key", "Last-Event-ID")
                .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        }
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 10;
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests.",
                        Detail = $"Try again in {seconds} s.",
                    },
                });
            };
            // Per signed-in user across the whole API, so one tenant's script cannot starve the others.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                http.User.FindFirst(ReplyXClaims.UserId)?.Value is { } userId
                    ? RateLimitPartition.GetTokenBucketLimiter("user:" + userId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = userPermitsPerMinute,
                        TokensPerPeriod = Math.Max(1, userPermitsPerMinute / 6),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(10),
                        QueueLimit = 0,
                    })
                    : RateLimitPartition.GetNoLimiter("anonymous"));
            // Per client address on the anonymous auth endpoints: slows credential stuffing before the per-login lockout.
            o.AddPolicy(AuthApi.AuthRateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = authPermitsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return builder;
    }

    public static WebApplication MapReplyXOperations(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseHttpMetrics();

        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthReportWriter.Write });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = c => c.Tags.Contains(ReadyTag),
            ResponseWriter = HealthReportWriter.Write,
        });
        // Liveness runs no dependency check: a process that answers is alive; a dead database is a readiness problem.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthReportWriter.Write });
        app.MapMetrics("/metrics");
        return app;
    }

    public static WebApplication MapReplyXApi(this WebApplication app)
    {
        app.UseReplyXSecurityHeaders();
        app.MapReplyXOperations();
        app.UseReplyXWebUi();
        if (app.Configuration.GetSection("Cors:Origins").Get<string[]>() is { Length: > 0 })
        {
            app.UseCors();
        }
        app.UseReplyXRequestLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapAuthApi();
        app.MapOperatorsApi();
        app.MapAdminApi();
        app.MapAssistantsApi();
        app.MapBotsApi();
        app.MapTelegramWebhook();
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }
        return app;
    }
}
