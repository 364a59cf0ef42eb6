using ReplyX.Ai;
using ReplyX.Billing;
using ReplyX.Dialogs;

namespace ReplyX.Analytics;

/// <summary>Puts the stores' counts together into one row per day (and per assistant and channel), zero days included.</summary>
public static class AnalyticsReport
{
    /// <summary>The longest range one report covers.</summary>
    public const int MaxDays = 366;

    /// <summary>Refuses a range backwards or longer than <see cref="MaxDays"/>.</summary>
    public static void CheckRange(DateOnly from, DateOnly to)
    {
        if (to < from || to.DayNumber - from.DayNumber >= MaxDays)
        {
            throw new ArgumentOutOfRangeException(nameof(to), $"A report covers 1 to {MaxDays} days.");
        }
    }

    public static IReadOnlyList<ActivityDay> Days(
        DateOnly from, DateOnly to,
        IReadOnlyList<JoinCount> joins, IReadOnlyList<DialogCount> dialogs, IReadOnlyList<MessageCount> messages,
        IReadOnlyList<AiUsageDaily> ai, IReadOnlyList<MoneyCount> money)
    {
        CheckRange(from, to);
        var joined = joins.ToDictionary(j => j.Day);
        var opened = dialogs.GroupBy(d => d.Day).ToDictionary(g => g.Key, g => g.Sum(d => d.Count));
        var said = messages.ToLookup(m => m.Day);
        var used = ai.ToLookup(a => a.Day);
        var paid = money.ToLookup(m => m.Day);
        var days = new List<ActivityDay>(to.DayNumber - from.DayNumber + 1);
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            var join = joined.GetValueOrDefault(day);
            var dayMessages = said[day];
            var dayAi = used[day];
            var dayMoney = paid[day];
            days.Add(new ActivityDay(
                day,
                join?.Accounts ?? 0,
                join?.Users ?? 0,
                opened.GetValueOrDefault(day),
                Count(dayMessages, MessageAuthor.User),
                Count(dayMessages, MessageAuthor.Assistant),
                Count(dayMessages, MessageAuthor.Operator),
                dayAi.Sum(a => a.PromptTokens),
                dayAi.Sum(a => a.CompletionTokens),
                dayMoney.Where(m => m.Kind is LedgerKind.TopUp or LedgerKind.Refund).Sum(m => m.Amount),
                -dayMoney.Where(m => m.Kind == LedgerKind.Charge).Sum(m => m.Amount)));
        }
        return days;
    }

    /// <summary>Per day, assistant and channel: the dialogs opened and the messages written, only where something happened.</summary>
    public static IReadOnlyList<UsageSlice> Slices(IReadOnlyList<DialogCount> dialogs, IReadOnlyList<MessageCount> messages)
    {
        var opened = dialogs.ToDictionary(d => (d.Day, d.AssistantId, d.Channel), d => d.Count);
        var said = messages.ToLookup(m => (m.Day, m.AssistantId, m.Channel));
        return opened.Keys.Union(said.Select(g => g.Key))
            .OrderBy(k => k.Day).ThenBy(k => k.AssistantId).ThenBy(k => k.Channel, StringComparer.Ordinal)
            .Select(k => new UsageSlice(k.Day, k.AssistantId, k.Channel, opened.GetValueOrDefault(k),
                Count(said[k], MessageAuthor.User), Count(said[k], MessageAuthor.Assistant), Count(said[k], MessageAuthor.Operator)))
            .ToArray();
    }

    private static long Count(IEnumerable<MessageCount> counts, MessageAuthor author) => counts.Where(c => c.Author == author).Sum(c => c.Count);
}
