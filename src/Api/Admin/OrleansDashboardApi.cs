using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using ReplyX.Api.Accounts;
using ReplyX.Hosting;

namespace ReplyX.Api.Admin;

/// <summary>
/// The Orleans Dashboard under <see cref="OrleansDashboardOptions.Path"/>, for admins only. It has no sign-in of its
/// own and its page fetches its data with plain GETs, which carry no bearer header; so the web app first asks
/// <c>POST /api/auth/dashboard-session</c> for an httpOnly, same-site cookie that holds an access token and is sent
/// only to the dashboard's path, and the JWT handler reads the token from that cookie there (and only there).
/// A signed-in user who is not an admin gets 403, a stranger 401; a blocked or signed-out user's cookie stops
/// working as their bearer tokens do.
/// </summary>
public static class OrleansDashboardApi
{
    public const string Cookie = "replyx_dashboard";

    /// <summary>How long one dashboard session lasts before the admin opens it again from the web app.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(1);

    public static WebApplication MapReplyXOrleansDashboard(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<OrleansDashboardOptions>>().Value;
        app.MapPost("/api/auth/dashboard-session", StartSession).WithTags("Admin").RequireAuthorization();
        if (options.Enabled)
        {
            app.MapOrleansDashboard(OrleansDashboardOptions.Path).RequireAuthorization(AdminApi.AdminPolicy).ExcludeFromDescription()
                .AddEndpointFilter(RefuseUnknownNames);
        }
        return app;
    }

    /// <summary>
    /// The dashboard's own endpoints throw on a silo address or grain name they cannot parse; that is the caller's
    /// mistake, so it is a 400 problem here, not a 500.
    /// </summary>
    private static async ValueTask<object?> RefuseUnknownNames(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception ex) when (BadName(ex))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a silo address or grain type this cluster knows.");
        }
    }

    // A proxy grain keyed by an unparsable silo address fails to activate with the FormatException inside.
    private static bool BadName(Exception? ex) => ex switch
    {
        FormatException or ArgumentException => true,
        InvalidOperationException { InnerException: { } inner } => BadName(inner),
        _ => false,
    };

    /// <summary>The cookie's token, read by the JWT handler for requests under the dashboard's path without a bearer header.</summary>
    public static string? TokenFor(HttpRequest request) =>
        request.Path.StartsWithSegments(OrleansDashboardOptions.Path) && string.IsNullOrEmpty(request.Headers.Authorization)
            ? request.Cookies[Cookie]
            : null;

    private static async Task<Results<NoContent, UnauthorizedHttpResult, ProblemHttpResult>> StartSession(
        HttpContext http, IGrainFactory grains, TokenService tokens, IOptions<OrleansDashboardOptions> options)
    {
        if (!options.Value.Enabled)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The Orleans Dashboard is turned off (OrleansDashboard:Enabled).");
        }
        var user = await grains.GetGrain<ReplyX.Accounts.IIdentityGrain>(0).GetUser(http.User.UserId());
        if (user is null || user.Blocked)
        {
            return TypedResults.Unauthorized();
        }
        // Any signed-in user gets the cookie; the dashboard itself admits admins only, so others see a clear 403 there.
        var version = await grains.GetGrain<ReplyX.Accounts.IUserSessionGrain>(user.Id).Version();
        var (token, expires) = tokens.CreateAccessToken(user, version, SessionLifetime);
        http.Response.Cookies.Append(Cookie, token, new CookieOptions
        {
            HttpOnly = true, Secure = http.Request.IsHttps, SameSite = SameSiteMode.Strict, Path = OrleansDashboardOptions.Path,
            Expires = expires, IsEssential = true,
        });
        return TypedResults.NoContent();
    }
}
