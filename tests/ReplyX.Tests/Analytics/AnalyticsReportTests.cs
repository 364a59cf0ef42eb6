using ReplyX.Ai;
using ReplyX.Analytics;
using ReplyX.Billing;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Analytics;

public sealed class AnalyticsReportTests
{
    private static readonly DateOnly Monday = new(2026, 11, 30);
    private static readonly Guid Shop = Guid.Parse("6f1d2c3b-0000-4000-8000-000000000001");
    private static readonly Guid Clinic = Guid.Parse("6f1d2c3b-0000-4000-8000-000000000002");

    [Fact]
    public void Every_day_of_the_range_gets_a_row_and_each_count_lands_on_its_own_day()
    {
        var days = AnalyticsReport.Days(Monday, Monday.AddDays(2),
            joins: [new JoinCount(Monday, 1, 3)],
            dialogs: [new DialogCount(Monday, Shop, "widget", 2), new DialogCount(Monday, Clinic, "telegram", 1)],
            messages:
            [
                new MessageCount(Monday, Shop, "widget", MessageAuthor.User, 5),
                new MessageCount(Monday, Clinic, "telegram", MessageAuthor.User, 1),
                new MessageCount(Monday, Shop, "widget", MessageAuthor.Assistant, 4),
                new MessageCount(Monday.AddDays(2), Shop, "widget", MessageAuthor.Operator, 2),
                new MessageCount(Monday.AddDays(2), Shop, "widget", MessageAuthor.System, 7),
            ],
            ai: [new AiUsageDaily(Monday, Shop, 4, 0, 400, 80), new AiUsageDaily(Monday, Clinic, 1, 0, 100, 20)],
            money:
            [
                new MoneyCount(Monday, LedgerKind.TopUp, 500_000_000),
                new MoneyCount(Monday, LedgerKind.Refund, -100_000_000),
                new MoneyCount(Monday, LedgerKind.Promo, 50_000_000),
                new MoneyCount(Monday, LedgerKind.Charge, -4_000),
            ]);

        Assert.Equal([Monday, Monday.AddDays(1), Monday.AddDays(2)], days.Select(d => d.Day));
        Assert.Equal(new ActivityDay(Monday, 1, 3, 3, 6, 4, 0, 500, 100, 400_000_000, 4_000), days[0]);
        Assert.Equal(new ActivityDay(Monday.AddDays(1), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), days[1]);
        Assert.Equal(2, days[2].OperatorMessages); // system notes are not anybody's messages
        Assert.Equal(0, days[2].CustomerMessages);
    }

    [Theory]
    [InlineData(-1)] // backwards
    [InlineData(366)] // 367 days
    public void A_range_backwards_or_over_a_year_is_refused(int toAfterFrom)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AnalyticsReport.Days(Monday, Monday.AddDays(toAfterFrom), [], [], [], [], []));
        Assert.Equal(366, AnalyticsReport.Days(Monday, Monday.AddDays(365), [], [], [], [], []).Count);
    }

    [Fact]
    public void Slices_join_dialogs_and_messages_per_day_assistant_and_channel_and_keep_only_busy_ones()
    {
        var slices = AnalyticsReport.Slices(
            [new DialogCount(Monday, Shop, "widget", 2)],
            [
                new MessageCount(Monday, Shop, "widget", MessageAuthor.User, 5),
                new MessageCount(Monday, Shop, "telegram", MessageAuthor.User, 1), // a dialog opened earlier
                new MessageCount(Monday, Shop, "widget", MessageAuthor.Operator, 1),
            ]);

        Assert.Equal(
            [new UsageSlice(Monday, Shop, "telegram", 0, 1, 0, 0), new UsageSlice(Monday, Shop, "widget", 2, 5, 0, 1)],
            slices);
    }
}
