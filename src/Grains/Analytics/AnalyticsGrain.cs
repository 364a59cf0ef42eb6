using Orleans.Concurrency;
using ReplyX.Ai;

namespace ReplyX.Analytics;

/// <summary>Reads the dashboards' numbers on whichever silo takes the call; nothing is kept between calls.</summary>
[GrainType("analytics"), StatelessWorker]
public sealed class AnalyticsGrain(IAnalyticsStore store, IAiUsageStore aiUsage) : Grain, IAnalyticsGrain
{
    public async Task<PlatformOverview> Overview(DateOnly from, DateOnly to)
    {
        AnalyticsReport.CheckRange(from, to); // before any query
        var totals = store.Totals();
        var joins = store.Joins(from, to);
        var dialogs = store.Dialogs(null, from, to);
        var messages = store.Messages(null, from, to);
        var ai = aiUsage.DailyByAccount(null, from, to);
        var money = store.Money(null, from, to);
        return new PlatformOverview(from, to, await totals,
            AnalyticsReport.Days(from, to, await joins, await dialogs, await messages, await ai, await money));
    }

    public async Task<AccountUsage> Usage(Guid accountId, DateOnly from, DateOnly to)
    {
        AnalyticsReport.CheckRange(from, to);
        var dialogs = store.Dialogs(accountId, from, to);
        var messages = store.Messages(accountId, from, to);
        var ai = aiUsage.DailyByAccount(accountId, from, to);
        var money = store.Money(accountId, from, to);
        return new AccountUsage(from, to, AnalyticsReport.Days(from, to, [], await dialogs, await messages, await ai, await money),
            AnalyticsReport.Slices(await dialogs, await messages));
    }
}
