using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ReplyX.Api.Accounts;
using ReplyX.Api.Validation;
using ReplyX.Assistants;
using ReplyX.Bots;
using ReplyX.Api.Hosting;

namespace ReplyX.Api.Bots;

public sealed record ConnectBotRequest(Guid? AssistantId, string? Token, string? Mode);

public sealed record BotResponse(Guid Id, Guid AssistantId, string Username, string Status, string? LastError,
    long UpdatesIn, long RepliesOut, long RateLimited, int QueueLength);

public sealed record RotateBotTokenRequest(string? Token);

internal static class BotTokenRule
{
    public static IRuleBuilderOptions<T, string?> BotToken<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(100)
            .Matches(@"^\d{5,15}:[A-Za-z0-9_-]{20,80}$").WithMessage("This does not look like a bot token from @BotFather (123456:ABC…).");
}

public sealed class RotateBotTokenRequestValidator : AbstractValidator<RotateBotTokenRequest>
{
    public RotateBotTokenRequestValidator() => RuleFor(r => r.Token).BotToken();
}

public sealed partial class ConnectBotRequestValidator : AbstractValidator<ConnectBotRequest>
{
    public ConnectBotRequestValidator()
    {
        RuleFor(r => r.AssistantId).NotEmpty();
        RuleFor(r => r.Token).BotToken();
        RuleFor(r => r.Mode).Must(m => m is null or "polling" or "webhook").WithMessage("polling or webhook.");
    }
}

/// <summary>Telegram bots of the caller's account (API.md, Channels).</summary>
public static class BotsApi
{
    public static IEndpointRouteBuilder MapBotsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/bots").WithTags("Bots").RequireAuthorization(OperatorsApi.OwnerPolicy);
        group.MapGet("/", List);
        group.MapPost("/", Connect).Validate<ConnectBotRequest>();
        group.MapGet("/{id:guid}", Get);
        group.MapPost("/{id:guid}/start", Start);
        group.MapPost("/{id:guid}/stop", Stop);
        group.MapPatch("/{id:guid}", Rotate).Validate<RotateBotTokenRequest>();
        group.MapDelete("/{id:guid}", Delete);
        return app;
    }

    private static BotResponse ToResponse(BotView b) => new(b.Id, b.AssistantId, b.Username, b.Status.ToString().ToLowerInvariant(), b.LastError,
        b.UpdatesIn, b.RepliesOut, b.RateLimited, b.QueueLength);

    private static async Task<Ok<BotResponse[]>> List(ClaimsPrincipal user, IGrainFactory grains)
    {
        var account = user.AccountId();
        var ids = await grains.GetGrain<IBotCatalogGrain>(0).List(account);
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<IBotGrain>(id).Get(account)));
        return TypedResults.Ok(views.OfType<BotView>().Select(ToResponse).ToArray());
    }

    private static async Task<Results<Created<BotResponse>, ValidationProblem, ProblemHttpResult>> Connect(
        ConnectBotRequest r, ClaimsPrincipal user, IGrainFactory grains)
    {
        var account = user.AccountId();
        if (r.Mode == "webhook")
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["mode"] = ["Webhook mode is not available yet; use polling."] });
        }
        if (await grains.GetGrain<IAssistantGrain>(r.AssistantId!.Value).Get(account) is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["assistantId"] = ["No such assistant in your account."] });
        }
        var result = await grains.GetGrain<IBotGrain>(Guid.NewGuid()).Connect(account, r.AssistantId.Value, r.Token!.Trim());
        return result.Error switch
        {
            ConnectError.None => TypedResults.Created($"/api/bots/{result.Bot!.Id}", ToResponse(result.Bot)),
            ConnectError.TokenRejected => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token"] = [result.Detail!] }),
            ConnectError.AlreadyConnected => Conflicts.Of(result.Detail!),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: result.Detail),
        };
    }

    private static async Task<Results<Ok<BotResponse>, NotFound, ValidationProblem, ProblemHttpResult>> Rotate(
        Guid id, RotateBotTokenRequest r, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        var bot = grains.GetGrain<IBotGrain>(id);
        if (await bot.Get(user.AccountId()) is null)
        {
            return TypedResults.NotFound();
        }
        var result = await bot.RotateToken(user.AccountId(), r.Token!.Trim());
        if (result.Error == ConnectError.None)
        {
            await Admin.AuditTrail.Audit(http, ReplyX.Admin.AuditActions.BotTokenRotated, user.UserId(), user.AccountId(), id.ToString());
            return TypedResults.Ok(ToResponse(result.Bot!));
        }
        return result.Error == ConnectError.TelegramUnreachable
            ? TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: result.Detail)
            : TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["token"] = [result.Detail!] });
    }

    private static async Task<Results<Ok<BotResponse>, NotFound>> Get(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IBotGrain>(id).Get(user.AccountId()) is { } bot ? TypedResults.Ok(ToResponse(bot)) : TypedResults.NotFound();

    private static async Task<Results<Ok<BotResponse>, NotFound>> Start(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IBotGrain>(id).Start(user.AccountId()) is { } bot ? TypedResults.Ok(ToResponse(bot)) : TypedResults.NotFound();

    private static async Task<Results<Ok<BotResponse>, NotFound>> Stop(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IBotGrain>(id).Stop(user.AccountId()) is { } bot ? TypedResults.Ok(ToResponse(bot)) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IBotGrain>(id).Delete(user.AccountId()) ? TypedResults.NoContent() : TypedResults.NotFound();
}
