using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Accounts;
using ReplyX.Admin;
using ReplyX.Analytics;
using ReplyX.Api.Admin;
using ReplyX.Api.Validation;
using ReplyX.Billing;

namespace ReplyX.Api.Accounts;

public sealed record AccountResponse(Guid Id, string Name);

public sealed record AccountChange(string? Name);

public sealed class AccountChangeValidator : AbstractValidator<AccountChange>
{
    public AccountChangeValidator() => RuleFor(r => r.Name).NotEmpty().MaximumLength(200).SingleLine();
}

/// <summary>One day of an account (or of the platform): new dialogs, messages by author, AI tokens and money in roubles.</summary>
public sealed record UsageDayResponse(
    DateOnly Day, long NewDialogs, long CustomerMessages, long AiReplies, long OperatorMessages, long PromptTokens, long CompletionTokens, string Spend);

public sealed record UsageSliceResponse(DateOnly Day, Guid AssistantId, string Channel, long NewDialogs, long CustomerMessages, long AiReplies, long OperatorMessages);

public sealed record AccountUsageResponse(DateOnly From, DateOnly To, string Currency, UsageDayResponse[] Days, UsageSliceResponse[] Slices);

/// <summary>The owner's account: its name, and its usage per day, assistant and channel (<c>/api/account</c>).</summary>
public static class AccountApi
{
    public static IEndpointRouteBuilder MapAccountApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account").WithTags("Accounts").RequireAuthorization(OperatorsApi.OwnerPolicy);
        group.MapGet("", Get);
        group.MapPatch("", Change).Validate<AccountChange>();
        group.MapGet("/usage", Usage);
        return app;
    }

    private static async Task<Results<Ok<AccountResponse>, NotFound>> Get(ClaimsPrincipal user, IGrainFactory grains)
    {
        var me = await grains.GetGrain<IIdentityGrain>(0).GetUser(user.UserId());
        return me?.AccountId is { } id ? TypedResults.Ok(new AccountResponse(id, me.AccountName ?? "")) : TypedResults.NotFound();
    }

    private static async Task<Results<Ok<AccountResponse>, NotFound>> Change(AccountChange request, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        var account = user.AccountId();
        var name = request.Name!.Trim();
        if (!await grains.GetGrain<IIdentityGrain>(0).RenameAccount(account, name))
        {
            return TypedResults.NotFound();
        }
        await http.Audit(AuditActions.AccountRenamed, user.UserId(), account, name);
        return TypedResults.Ok(new AccountResponse(account, name));
    }

    private static async Task<Results<Ok<AccountUsageResponse>, ValidationProblem>> Usage(
        ClaimsPrincipal user, IGrainFactory grains, TimeProvider time, DateOnly? from, DateOnly? to)
    {
        if (DayRange.Read(from, to, time, out var first, out var last) is { } invalid)
        {
            return invalid;
        }
        return TypedResults.Ok(ToResponse(await grains.GetGrain<IAnalyticsGrain>(0).Usage(user.AccountId(), first, last)));
    }

    public static AccountUsageResponse ToResponse(AccountUsage usage) => new(usage.From, usage.To, Money.Currency,
        usage.Days.Select(d => new UsageDayResponse(d.Day, d.NewDialogs, d.CustomerMessages, d.AiReplies, d.OperatorMessages,
            d.PromptTokens, d.CompletionTokens, Money.Format(d.Spend))).ToArray(),
        usage.Slices.Select(s => new UsageSliceResponse(s.Day, s.AssistantId, s.Channel, s.NewDialogs, s.CustomerMessages, s.AiReplies, s.OperatorMessages)).ToArray());
}
