using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ReplyX.Api.Hosting;
using ReplyX.Bots;
using ReplyX.Hosting;

namespace ReplyX.Api.Bots;

/// <summary>
/// Telegram's webhook (API.md: POST /telegram/{botId}). Public, authenticated by the per-bot secret Telegram
/// sends in <c>X-Telegram-Bot-Api-Secret-Token</c>, checked first, against a secret derived from the bot's id
/// (<see cref="WebhookSecrets"/>): a wrong one costs no grain activation and no read of the body, and an
/// address that keeps sending wrong ones gets 429. The answer is 200 only after the update is stored, so
/// Telegram redelivers whatever was not.
/// </summary>
public static class TelegramWebhookApi
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    /// <summary>Largest update accepted: a message of 4,096 characters with its entities and a quoted reply is far below it.</summary>
    public const long MaxUpdateBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapTelegramWebhook(this IEndpointRouteBuilder app)
    {
        app.MapPost("/telegram/{botId:guid}", Receive).WithTags("Bots").AllowAnonymous().Accepts<object>("application/json")
            .WithMetadata(new RequestSizeLimitAttribute(MaxUpdateBytes));
        return app;
    }

    private static async Task<IResult> Receive(Guid botId, HttpRequest request, IGrainFactory grains, WebhookSecrets secrets, WebhookRefusals refusals)
    {
        var secret = request.Headers[SecretHeader].ToString();
        if (!secrets.Matches(botId, secret.Length == 0 ? null : secret))
        {
            return refusals.Allow(request.HttpContext)
                ? TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: $"Wrong or missing {SecretHeader}.")
                : TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many refused deliveries from this address.");
        }
        using var reader = new StreamReader(request.Body);
        var json = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var outcome = await grains.GetGrain<IBotGrain>(botId).ReceiveWebhook(secret, json);
        return outcome switch
        {
            WebhookOutcome.Accepted => TypedResults.Ok(),
            WebhookOutcome.UnknownBot => TypedResults.NotFound(),
            WebhookOutcome.WrongSecret => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: $"Wrong or missing {SecretHeader}."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a Telegram update."),
        };
    }
}

/// <summary>Refused webhook deliveries per client address and minute (<c>RateLimits:WebhookRefusalsPerMinute</c>); Telegram itself is never refused.</summary>
public sealed class WebhookRefusals(IOptions<RateLimitOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.WebhookRefusalsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    public bool Allow(HttpContext http)
    {
        using var lease = _limiter.AttemptAcquire(http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
