using System.Text.Json.Serialization;
using FluentValidation;
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
using ReplyX.Hosting;
using ReplyX.Api.Dialogs;
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
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(o => o.AddServerHeader = false);
        services.AddValidatedOptions<MetricsOptions, MetricsOptionsValidator>(MetricsOptions.Section);
        MeterExport.Configure(); // .NET meters on /metrics: observable instruments, not per-event ones on the message path
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<ClusterUnavailableExceptionHandler>();
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

        services.AddValidatedOptions<ApiOptions, ApiOptionsValidator>(ApiOptions.Section);
        services.AddReplyXAuth();
        services.AddReplyXRateLimits();
        services.AddReplyXCors();
        services.AddValidatedOptions<EventStreamOptions, EventStreamOptionsValidator>(EventStreamOptions.Section);
        services.AddSingleton<EventStreamConnections>();
        services.AddSingleton<DialogEventStream>();
        services.AddSingleton<ReplyX.Api.Admin.ClusterRates>();
        services.AddSingleton<ReplyX.Api.Widget.WidgetSessions>();
        services.AddValidatedOptions<ReplyX.Api.Knowledge.DocumentUploadOptions, ReplyX.Api.Knowledge.DocumentUploadOptionsValidator>(ReplyX.Api.Knowledge.DocumentUploadOptions.Section);
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
        app.UseReplyXMetricsAccess("/metrics");
        app.MapMetrics("/metrics");
        return app;
    }

    public static WebApplication MapReplyXApi(this WebApplication app)
    {
        app.UseReplyXSecurityHeaders();
        app.MapReplyXOperations();
        app.UseReplyXWebUi();
        app.UseReplyXCors();
        app.UseReplyXRequestLimits();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapAuthApi();
        app.MapOperatorsApi();
        app.MapAccountApi();
        app.MapAdminApi();
        app.MapAssistantsApi();
        app.MapBotsApi();
        app.MapDialogsApi();
        ReplyX.Api.Knowledge.KnowledgeApi.MapKnowledgeApi(app);
        ReplyX.Api.Billing.BillingApi.MapBillingApi(app);
        ReplyX.Api.Desk.CannedResponsesApi.MapCannedResponsesApi(app);
        ReplyX.Api.Widget.WidgetApi.MapWidgetApi(app);
        app.MapTelegramWebhook();
        app.MapReplyXOrleansDashboard();
        app.MapOpenApi();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }
        return app;
    }
}
