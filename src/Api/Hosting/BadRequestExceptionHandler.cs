using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace ReplyX.Api.Hosting;

/// <summary>
/// Malformed JSON, a wrong content type, an unknown enum value or an oversized body surface as
/// <see cref="BadHttpRequestException"/>; they become RFC 7807 problems with the reason, never a 500.
/// </summary>
internal sealed partial class BadRequestExceptionHandler(IProblemDetailsService problems, ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        LogRejected(http.Request.Method, http.Request.Path, bad.StatusCode, bad.Message);
        http.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                    StatusCodes.Status415UnsupportedMediaType => "Unsupported content type; send application/json.",
                    _ => "The request could not be read.",
                },
                Detail = bad.Message,
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Method} {Path} with {Status}: {Reason}")]
    private partial void LogRejected(string method, string path, int status, string reason);
}
