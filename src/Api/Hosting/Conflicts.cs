using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ReplyX.Api.Hosting;

/// <summary>409 answers, as problem+json like every other error (TypedResults.Conflict would send application/json).</summary>
public static class Conflicts
{
    public static ProblemHttpResult Of(string title, string? field = null) => TypedResults.Problem(new ProblemDetails
    {
        Status = StatusCodes.Status409Conflict,
        Title = title,
        Extensions = field is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [title] } },
    });

    public static ProblemHttpResult EmailTaken() => Of("This email is already registered.", "email");
}
