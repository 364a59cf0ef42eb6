using FluentValidation;

namespace ReplyX.Api.Validation;

/// <summary>
/// Runs the FluentValidation validator of the endpoint's <typeparamref name="T"/> argument and answers an
/// RFC 7807 <c>ValidationProblem</c> with field errors instead of calling the handler.
/// </summary>
public sealed class ValidationFilter<T>(IValidator<T> validator) : IEndpointFilter where T : class
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var argument = context.Arguments.OfType<T>().FirstOrDefault();
        if (argument is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "A JSON request body is required.");
        }
        var result = await validator.ValidateAsync(argument, context.HttpContext.RequestAborted);
        var controls = TextRules.WithControlCharacters(argument);
        if (!result.IsValid || controls.Count > 0)
        {
            var errors = result.Errors
                .Select(e => (Field: System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(e.PropertyName), e.ErrorMessage))
                .Concat(controls.Select(field => (Field: field, ErrorMessage: "Control characters (other than tab and line breaks) are not accepted.")));
            return TypedResults.ValidationProblem(errors
                .GroupBy(e => e.Field)
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }
        return await next(context);
    }
}

public static class ValidationExtensions
{
    public static RouteHandlerBuilder Validate<T>(this RouteHandlerBuilder builder) where T : class =>
        builder.AddEndpointFilter<ValidationFilter<T>>().ProducesValidationProblem();
}
