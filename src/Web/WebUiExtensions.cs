using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.FileProviders;

namespace ReplyX.Web;

public static class WebUiExtensions
{
    /// <summary>The file provider over the embedded <c>wwwroot</c>.</summary>
    public static IFileProvider FileProvider { get; } =
        new EmbeddedFileProvider(typeof(WebUiExtensions).Assembly, "ReplyX.Web.wwwroot");

    /// <summary>Serves the dashboard's static files at the site root (index.html for <c>/</c>).</summary>
    public static WebApplication UseReplyXWebUi(this WebApplication app)
    {
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = FileProvider });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = FileProvider });
        return app;
    }
}
