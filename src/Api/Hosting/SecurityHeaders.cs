namespace ReplyX.Api.Hosting;

/// <summary>
/// Headers every response carries, errors included: they are set when the response starts, so an exception
/// handler that clears the response (as <c>UseExceptionHandler</c> does) cannot drop them. HSTS only outside
/// Development, where TLS terminates in front of us. API responses carry tokens, secrets or a tenant's data
/// and are never stored by a cache.
/// </summary>
internal static class SecurityHeaders
{
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static WebApplication UseReplyXSecurityHeaders(this WebApplication app)
    {
        var development = app.Environment.IsDevelopment();
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var (context, development) = ((HttpContext, bool))state;
                Apply(context, development);
                return Task.CompletedTask;
            }, (context, development));
            return next(context);
        });
        return app;
    }

    private static void Apply(HttpContext context, bool development)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers.XFrameOptions = "DENY";
        if (!context.Request.Path.StartsWithSegments("/scalar"))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
        }
        if (!development)
        {
            headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
        }
        if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/telegram") || context.Response.StatusCode >= 400)
        {
            headers.CacheControl = "no-store";
        }
    }
}
