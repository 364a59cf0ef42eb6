using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Analytics;
using ReplyX.Api.Validation;
using ReplyX.Billing;

namespace ReplyX.Api.Admin;

public sealed record OverviewTotalsResponse(long Accounts, long Users, long Dialogs, long Messages, long PromptTokens, long CompletionTokens, string Revenue, string Spend);

public sealed record OverviewDayResponse(
    DateOnly Day, long NewAccounts, long NewUsers, long NewDialogs, long CustomerMessages, long AiReplies, long OperatorMessages,
    long PromptTokens, long CompletionTokens, string Revenue, string Spend);

/// <summary>Totals: accounts, users, dialogs and messages held now; tokens, revenue and spend summed over the range.</summary>
public sealed record AnalyticsOverviewResponse(DateOnly From, DateOnly To, string Currency, OverviewTotalsResponse Totals, OverviewDayResponse[] Days);

/// <summary><c>GET /api/admin/analytics/overview</c>: the platform per day (users, dialogs, messages, AI tokens, revenue).</summary>
public static class AnalyticsApi
{
    public static RouteGroupBuilder MapAnalyticsApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/analytics/overview", Overview);
        admin.MapGet("/accounts/{id:guid}/usage", AccountUsage);
        return admin;
    }

    /// <summary>One account's usage, as its owner sees it at <c>GET /api/account/usage</c>.</summary>
    private static async Task<Results<Ok<ReplyX.Api.Accounts.AccountUsageResponse>, NotFound, ValidationProblem>> AccountUsage(
        Guid id, IGrainFactory grains, TimeProvider time, DateOnly? from, DateOnly? to)
    {
        if (DayRange.Read(from, to, time, out var first, out var last) is { } invalid)
        {
            return invalid;
        }
        if (!await grains.GetGrain<IBillingQueryGrain>(0).AccountExists(id))
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(ReplyX.Api.Accounts.AccountApi.ToResponse(await grains.GetGrain<IAnalyticsGrain>(0).Usage(id, first, last)));
    }

    private static async Task<Results<Ok<AnalyticsOverviewResponse>, ValidationProblem>> Overview(IGrainFactory grains, TimeProvider time, DateOnly? from, DateOnly? to)
    {
        if (DayRange.Read(from, to, time, out var first, out var last) is { } invalid)
        {
            return invalid;
        }
        var overview = await grains.GetGrain<IAnalyticsGrain>(0).Overview(first, last);
        var days = overview.Days;
        var totals = new OverviewTotalsResponse(overview.Totals.Accounts, overview.Totals.Users, overview.Totals.Dialogs, overview.Totals.Messages,
            days.Sum(d => d.PromptTokens), days.Sum(d => d.CompletionTokens), Money.Format(days.Sum(d => d.Revenue)), Money.Format(days.Sum(d => d.Spend)));
        return TypedResults.Ok(new AnalyticsOverviewResponse(overview.From, overview.To, Money.Currency, totals,
            days.Select(d => new OverviewDayResponse(d.Day, d.NewAccounts, d.NewUsers, d.NewDialogs, d.CustomerMessages, d.AiReplies, d.OperatorMessages,
                d.PromptTokens, d.CompletionTokens, Money.Format(d.Revenue), Money.Format(d.Spend))).ToArray()));
    }
}
