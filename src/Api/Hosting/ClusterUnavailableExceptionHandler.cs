using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ReplyX.Api.Hosting;

/// <summary>
/// A grain call that found no silo or timed out is the cluster's trouble, not the request's: 503 problem+json
/// with Retry-After, logged once per request without a stack trace.
/// </summary>
internal sealed partial class ClusterUnavailableExceptionHandler(IProblemDetailsService problems, ILogger<ClusterUnavailableExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (OrleansException or TimeoutException))
        {
            return false;
        }
        LogUnavailable(http.Request.Method, http.Request.Path, exception.GetType().Name, exception.Message);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = StatusCodes.Status503ServiceUnavailable, Title = "The service is briefly unavailable; try again." },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: {Error}: {Message}")]
    private partial void LogUnavailable(string method, string path, string error, string message);
}
