using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace ReplyX.Web;

public static class WebUiExtensions
{
    /// <summary>The manifest-name prefix of the embedded <c>wwwroot</c> files (see ReplyX.Web.csproj, WebUiEmbed).</summary>
    public const string ResourcePrefix = "ReplyX.Web.wwwroot";

    /// <summary>The file provider over the embedded <c>wwwroot</c>.</summary>
    public static IFileProvider FileProvider { get; } = new EmbeddedFileProvider(typeof(WebUiExtensions).Assembly, ResourcePrefix);

    /// <summary>Paths that belong to the server: never answered with the web UI's index.html.</summary>
    private static readonly PathString[] ServerPaths =
    [
        "/api", "/telegram", "/health", "/metrics", "/openapi", "/scalar", "/widget.js", "/assets", "/admin/orleans",
    ];

    private const string Immutable = "public, max-age=31536000, immutable";
    private const string Revalidate = "no-cache";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>
    /// Serves the web UI from the embedded files: <c>index.html</c> for <c>/</c>, the files themselves (hashed
    /// ones under <c>/assets/</c> cached for a year, everything else revalidated), and index.html for every other
    /// GET or HEAD that no endpoint and no file answered and that is not a server path (<c>/api</c>,
    /// <c>/telegram</c>, <c>/health</c>, <c>/metrics</c>, <c>/openapi</c>, <c>/scalar</c>, <c>/widget.js</c>,
    /// <c>/assets</c>, <c>/admin/orleans</c>) or a file name (a last segment with an extension), so the app's own routes
    /// (<c>/login</c>, <c>/dialogs/{id}</c>, <c>/status</c>) survive a reload.
    /// </summary>
    /// <remarks>
    /// The fallback relies on routing having run before it (WebApplication does that first) and answers only
    /// where no endpoint matched, so it never hides an endpoint, nor turns a 405 into a page.
    /// </remarks>
    public static WebApplication UseReplyXWebUi(this WebApplication app)
    {
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = FileProvider });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = FileProvider,
            ContentTypeProvider = ContentTypes,
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl = CacheControlFor(file.Context.Request.Path),
        });
        app.Use(ServeIndexForAppRoutes);
        return app;
    }

    /// <summary>The Cache-Control for a file of the web UI: hashed assets for a year, the rest revalidated.</summary>
    public static string CacheControlFor(PathString path) =>
        path.StartsWithSegments("/assets", StringComparison.OrdinalIgnoreCase) ? Immutable : Revalidate;

    /// <summary>True for a GET or HEAD of a path that may be one of the app's own routes.</summary>
    public static bool IsAppRoute(HttpRequest request)
    {
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }
        var path = request.Path;
        if (!path.HasValue || path.Value == "/")
        {
            return true;
        }
        foreach (var server in ServerPaths)
        {
            if (path.StartsWithSegments(server, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        var last = path.Value.AsSpan(path.Value.LastIndexOf('/') + 1);
        return !last.Contains('.');
    }

    private static async Task ServeIndexForAppRoutes(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is not null || !IsAppRoute(context.Request))
        {
            await next(context);
            return;
        }
        var index = FileProvider.GetFileInfo("index.html");
        if (!index.Exists)
        {
            await next(context);
            return;
        }
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = index.Length;
        response.Headers.CacheControl = Revalidate;
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        await response.SendFileAsync(index, context.RequestAborted);
    }
}
