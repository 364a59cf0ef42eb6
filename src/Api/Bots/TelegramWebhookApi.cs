using Microsoft.AspNetCore.Mvc;
using ReplyX.Bots;

namespace ReplyX.Api.Bots;

/// <summary>
/// Telegram's webhook (API.md: POST /telegram/{botId}). Public, authenticated by the per-bot secret Telegram
/// sends in <c>X-Telegram-Bot-Api-Secret-Token</c>. The answer is 200 only after the update is stored, so
/// Telegram redelivers whatever was not.
/// </summary>
public static class TelegramWebhookApi
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/telegram/{botId:guid}", Receive).WithTags("Bots").AllowAnonymous().Accepts<object>("application/json");
        return app;
    }

    private static async Task<IResult> Receive(Guid botId, HttpRequest request, IGrainFactory grains)
    {
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var secret = request.Headers[SecretHeader].ToString();
        var outcome = await grains.GetGrain<IBotGrain>(botId).ReceiveWebhook(secret.Length == 0 ? null : secret, json);
        return outcome switch
        {
            WebhookOutcome.Accepted => TypedResults.Ok(),
            WebhookOutcome.UnknownBot => TypedResults.NotFound(),
            WebhookOutcome.WrongSecret => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: $"Wrong or missing {SecretHeader}."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a Telegram update."),
        };
    }
}
