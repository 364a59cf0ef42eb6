using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>
/// Every endpoint the app maps needs authorization unless it is on the explicit public list below: a new
/// endpoint that forgets <c>RequireAuthorization</c> fails this test.
/// </summary>
public sealed class RouteCoverageTests : IClassFixture<RouteCoverageTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public ReplyXAppFactory Factory { get; } = new();

        public Task InitializeAsync()
        {
            Factory.CreateClient().Dispose();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private static readonly HashSet<string> PublicRoutes =
    [
        "/health",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/openapi/{documentName}.json",
        // The API reference UI and its assets (Development only).
        "/scalar/{documentName?}",
        "/scalar/scalar.js",
        "/scalar/scalar.aspnetcore.js",
        "/scalar/favicon.svg",
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        // Telegram's webhook: authenticated by the per-bot secret header instead of a user token.
        "/telegram/{botId:guid}",
        // YooKassa's notifications: nothing in them is believed, every payment is asked back from YooKassa.
        "/api/payments/yookassa/webhook",
        // The web-site widget: anonymous visitors, checked by origin and then by their signed session token.
        "/api/widget/{assistantId:guid}/config",
        "/api/widget/{assistantId:guid}/sessions",
        "/api/widget/dialogs/{dialogId:guid}/messages",
        "/api/widget/dialogs/{dialogId:guid}/handoff",
        "/api/widget/dialogs/{dialogId:guid}/rating",
        "/api/widget/dialogs/{dialogId:guid}/events",
    ];

    private readonly IReadOnlyList<RouteEndpoint> _endpoints;

    public RouteCoverageTests(App app) =>
        _endpoints = app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToArray();

    private static string Route(RouteEndpoint e) => "/" + e.RoutePattern.RawText!.TrimStart('/');

    [Fact]
    public void Every_endpoint_requires_authorization_unless_it_is_listed_public()
    {
        var open = _endpoints
            .Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null || e.Metadata.GetOrderedMetadata<IAuthorizeData>().Count == 0)
            .Select(Route)
            .Where(route => !PublicRoutes.Contains(route))
            .Distinct()
            .ToArray();

        Assert.True(open.Length == 0, "Endpoints reachable without authorization: " + string.Join(", ", open));
    }

    [Fact]
    public void The_public_list_has_no_stale_entries()
    {
        var mapped = _endpoints.Select(Route).ToHashSet();
        var stale = PublicRoutes.Where(route => !mapped.Contains(route)).ToArray();
        Assert.True(stale.Length == 0, "Listed public but not mapped: " + string.Join(", ", stale));
    }

    [Fact]
    public void The_api_surface_is_mapped()
    {
        var mapped = _endpoints.Select(Route).ToHashSet();
        Assert.Contains("/api/me", mapped);
        Assert.Contains("/api/auth/logout", mapped);
    }
}
