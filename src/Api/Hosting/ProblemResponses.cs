using Microsoft.AspNetCore.Mvc;

namespace ReplyX.Api.Hosting;

/// <summary>Middleware's way to answer an error: the same problem+json (with traceId) that endpoints produce.</summary>
internal static class ProblemResponses
{
    public static Task Write(HttpContext context, int status, string title, string? detail = null)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        }).AsTask();
    }
}
