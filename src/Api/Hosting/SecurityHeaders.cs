namespace ReplyX.Api.Hosting;

/// <summary>Headers every response carries; HSTS only outside Development, where TLS terminates in front of us.</summary>
internal static class SecurityHeaders
{
    public static WebApplication UseReplyXSecurityHeaders(this WebApplication app)
    {
        var development = app.Environment.IsDevelopment();
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers.XFrameOptions = "DENY";
            if (!context.Request.Path.StartsWithSegments("/scalar"))
            {
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            }
            if (!development)
            {
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
            }
            return next(context);
        });
        return app;
    }
}
