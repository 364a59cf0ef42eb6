using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using ReplyX.Accounts;
using ReplyX.Admin;
using ReplyX.Api.Admin;
using ReplyX.Api.Validation;
using ReplyX.Api.Hosting;

namespace ReplyX.Api.Accounts;

public sealed record InviteOperatorRequest(string? Email, string? Name, string? Password);

public sealed record OperatorResponse(Guid Id, string Email, string Name, string Role, bool Blocked);

public sealed class InviteOperatorRequestValidator : AbstractValidator<InviteOperatorRequest>
{
    public InviteOperatorRequestValidator()
    {
        RuleFor(r => r.Email).Email();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200).SingleLine();
        RuleFor(r => r.Password).NotEmpty()
            .MinimumLength(PasswordPolicy.MinLength).MaximumLength(PasswordPolicy.MaxLength)
            .Must(p => p is null || !PasswordPolicy.IsCommon(p)).WithMessage("This password is too common; choose another.");
    }
}

/// <summary>An owner manages the operators of their own account; the account always comes from the token.</summary>
public static class OperatorsApi
{
    public const string OwnerPolicy = "owner";

    /// <summary>Owners and operators of an account (dialogs, operator console).</summary>
    public const string StaffPolicy = "staff";

    private static readonly PasswordHasher<UserView> Hasher = new();

    public static IEndpointRouteBuilder MapOperatorsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account/operators").WithTags("Accounts").RequireAuthorization(OwnerPolicy);
        group.MapGet("/", List);
        group.MapPost("/", Invite).Validate<InviteOperatorRequest>();
        group.MapDelete("/{id:guid}", Remove);
        return app;
    }

    public static Guid AccountId(this ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ReplyXClaims.AccountId), out var id)
            ? id
            : throw new InvalidOperationException("An account-scoped endpoint was reached without an account claim.");

    public static Guid UserId(this ClaimsPrincipal principal) => Guid.Parse(principal.FindFirstValue(ReplyXClaims.UserId)!);

    private static async Task<Ok<OperatorResponse[]>> List(ClaimsPrincipal user, IGrainFactory grains)
    {
        var users = await grains.GetGrain<IIdentityGrain>(0).ListAccountUsers(user.AccountId());
        return TypedResults.Ok(users.Select(ToResponse).ToArray());
    }

    private static async Task<Results<Created<OperatorResponse>, ProblemHttpResult>> Invite(
        InviteOperatorRequest request, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        var accountId = user.AccountId();
        var id = Guid.NewGuid();
        var identity = grains.GetGrain<IIdentityGrain>(0);
        if (!await identity.AddOperator(accountId, id, request.Email!.Trim(), request.Name!.Trim(), Hasher.HashPassword(null!, request.Password!)))
        {
            return Conflicts.EmailTaken();
        }
        var created = (await identity.GetUser(id))!;
        await http.Audit(AuditActions.OperatorInvited, user.UserId(), accountId, created.Email);
        return TypedResults.Created($"/api/account/operators/{id}", ToResponse(created));
    }

    private static async Task<Results<NoContent, NotFound>> Remove(Guid id, ClaimsPrincipal user, IGrainFactory grains, HttpContext http, SessionVersions sessions)
    {
        if (!await grains.GetGrain<IIdentityGrain>(0).RemoveOperator(user.AccountId(), id))
        {
            return TypedResults.NotFound();
        }
        sessions.Forget(id);
        await http.Audit(AuditActions.OperatorRemoved, user.UserId(), user.AccountId(), id.ToString());
        return TypedResults.NoContent();
    }

    private static OperatorResponse ToResponse(UserView u) => new(u.Id, u.Email, u.Name, TokenService.RoleName(u.Role), u.Blocked);
}
