using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Api.Accounts;
using ReplyX.Api.Hosting;
using ReplyX.Api.Validation;
using ReplyX.Desk;

namespace ReplyX.Api.Desk;

public sealed record CannedResponseRequest(string? Shortcut, string? Text);

public sealed record CannedResponseChange(string? Shortcut, string? Text);

public sealed record CannedResponseItem(Guid Id, string Shortcut, string Text);

public sealed record CannedResponseList(CannedResponseItem[] Items);

internal static class CannedRules
{
    public static IRuleBuilderOptions<T, string?> Shortcut<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Matches("^[\\p{L}\\p{Nd}_-]{1,32}$").WithMessage("1–32 letters, digits, _ or - (typed after / in the reply box).");

    public static IRuleBuilderOptions<T, string?> CannedText<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(4000).Must(t => t is null || !string.IsNullOrWhiteSpace(t)).WithMessage("The text is empty.");
}

public sealed class CannedResponseRequestValidator : AbstractValidator<CannedResponseRequest>
{
    public CannedResponseRequestValidator()
    {
        RuleFor(r => r.Shortcut).NotEmpty().Shortcut();
        RuleFor(r => r.Text).NotEmpty().CannedText();
    }
}

public sealed class CannedResponseChangeValidator : AbstractValidator<CannedResponseChange>
{
    public CannedResponseChangeValidator()
    {
        RuleFor(r => r.Shortcut).Shortcut();
        RuleFor(r => r.Text).CannedText();
    }
}

/// <summary>Canned responses of the caller's account: every owner and operator uses and edits them.</summary>
public static class CannedResponsesApi
{
    public static IEndpointRouteBuilder MapCannedResponsesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/canned-responses").WithTags("Dialogs").RequireAuthorization(OperatorsApi.StaffPolicy);
        group.MapGet("/", List);
        group.MapPost("/", Add).Validate<CannedResponseRequest>();
        group.MapGet("/{id:guid}", Get);
        group.MapPatch("/{id:guid}", Change).Validate<CannedResponseChange>();
        group.MapDelete("/{id:guid}", Remove);
        return app;
    }

    private static ICannedResponsesGrain Of(ClaimsPrincipal user, IGrainFactory grains) => grains.GetGrain<ICannedResponsesGrain>(user.AccountId());

    private static CannedResponseItem ToItem(CannedResponse c) => new(c.Id, c.Shortcut, c.Text);

    private static async Task<Ok<CannedResponseList>> List(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(new CannedResponseList((await Of(user, grains).List()).Select(ToItem).ToArray()));

    private static async Task<Results<Ok<CannedResponseItem>, NotFound>> Get(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        (await Of(user, grains).List()).FirstOrDefault(c => c.Id == id) is { } found ? TypedResults.Ok(ToItem(found)) : TypedResults.NotFound();

    private static async Task<IResult> Add(CannedResponseRequest r, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (result, added) = await Of(user, grains).Add(r.Shortcut!, r.Text!.Trim());
        return result switch
        {
            CannedChange.Done => TypedResults.Created((string?)null, ToItem(added!)),
            CannedChange.Full => Conflicts.Of($"An account keeps at most {ICannedResponsesGrain.MaxPerAccount} canned responses."),
            _ => Conflicts.Of("This shortcut is taken.", "shortcut"),
        };
    }

    private static async Task<IResult> Change(Guid id, CannedResponseChange r, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (result, changed) = await Of(user, grains).Change(id, r.Shortcut, r.Text?.Trim());
        return result switch
        {
            CannedChange.Done => TypedResults.Ok(ToItem(changed!)),
            CannedChange.Missing => TypedResults.NotFound(),
            _ => Conflicts.Of("This shortcut is taken.", "shortcut"),
        };
    }

    private static async Task<Results<NoContent, NotFound>> Remove(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await Of(user, grains).Remove(id) ? TypedResults.NoContent() : TypedResults.NotFound();
}
