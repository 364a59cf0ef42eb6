using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ReplyX.Api.Hosting;

/// <summary>
/// Caps request bodies (<c>Api:MaxRequestBodyBytes</c>, 1 MiB by default; endpoints that take files raise it
/// with <c>[RequestSizeLimit]</c> metadata). A declared oversize body is refused before it is read.
/// </summary>
internal static class RequestLimits
{
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    public static WebApplication UseReplyXRequestLimits(this WebApplication app)
    {
        var limit = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        app.Use(async (context, next) =>
        {
            var endpointLimit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
            var effective = endpointLimit ?? limit;
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                feature.MaxRequestBodySize = effective; // Kestrel enforces it for chunked bodies too
            }
            if (context.Request.ContentLength > effective)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status413PayloadTooLarge,
                        Title = "The request body is too large.",
                        Detail = $"At most {effective} bytes are accepted here.",
                    },
                });
                return;
            }
            await next(context);
        });
        return app;
    }
}
