using ReplyX.Billing;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Billing;

/// <summary>What every <see cref="IBillingStore"/> must do: the embedded default's and PostgreSQL's.</summary>
public abstract class BillingStoreContract
{
    protected abstract IBillingStore Store { get; }

    /// <summary>A second store over the same data (another silo's), for races.</summary>
    protected abstract IBillingStore Other { get; }

    private readonly Guid _account = Guid.NewGuid();
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow;
    private static DateOnly Today => BillingTime.Day(DateTimeOffset.UtcNow);

    private static Movement Credit(string key, long amount) => new(key, amount, LedgerKind.TopUp, Reference: "payment-" + key);

    private static Movement Charge(string key, long amount, string service = BillingServices.AiMessage) => new(key, -amount, LedgerKind.Charge, service, "dialog:1");

    [Fact]
    public async Task A_movement_writes_its_row_and_the_balance_and_a_key_seen_before_changes_nothing()
    {
        Assert.Equal(0, (await Store.Load(_account, Today)).Balance);

        var first = Assert.Single(await Store.Apply(_account, [Credit("topup-1", 5_000_000)], At));
        var again = Assert.Single(await Store.Apply(_account, [Credit("topup-1", 9_000_000)], At));
        var charged = await Store.Apply(_account, [Charge("ai:1", 1_000), Charge("ai:2", 2_500), Charge("ai:1", 1_000)], At);

        Assert.Equal(MovementOutcome.Applied, first.Outcome);
        Assert.Equal(5_000_000, first.Balance);
        Assert.Equal(MovementOutcome.Duplicate, again.Outcome);
        Assert.Equal(first.Entry, again.Entry); // the first result, not the second request's amount
        Assert.Equal([MovementOutcome.Applied, MovementOutcome.Applied, MovementOutcome.Duplicate], charged.Select(r => r.Outcome));
        Assert.Equal(4_996_500, charged[1].Entry!.BalanceAfter);
        var row = await Store.Load(_account, Today);
        Assert.Equal(4_996_500, row.Balance);
        Assert.Equal(3_500, row.SpentToday(Today));
        var ledger = await Store.Ledger(_account, new LedgerQuery(10));
        Assert.Equal(["ai:2", "ai:1", "topup-1"], ledger.Select(e => e.Key)); // newest first
        Assert.Equal(row.Balance, ledger.Sum(e => e.Amount));
        Assert.Equal(("payment-topup-1", LedgerKind.TopUp), (ledger[2].Reference, ledger[2].Kind));
    }

    [Fact]
    public async Task A_debit_beyond_the_balance_is_refused_unless_it_may_overdraw()
    {
        await Store.Apply(_account, [Credit("c", 1_000)], At);

        var refused = await Store.Apply(_account, [Charge("big", 1_001), Charge("small", 400)], At);
        var overdrawn = Assert.Single(await Store.Apply(_account, [new Movement("debt", -5_000, LedgerKind.Adjustment, Reason: "chargeback", MayOverdraw: true)], At));

        Assert.Equal([MovementOutcome.Insufficient, MovementOutcome.Applied], refused.Select(r => r.Outcome));
        Assert.Equal(-4_400, overdrawn.Balance);
        Assert.Equal("chargeback", overdrawn.Entry!.Reason);
        Assert.Equal(MovementOutcome.Insufficient, Assert.Single(await Store.Apply(_account, [Charge("more", 1)], At)).Outcome);
        Assert.DoesNotContain(await Store.Ledger(_account, new LedgerQuery(10)), e => e.Key == "big");
    }

    [Fact]
    public async Task Charges_beyond_the_daily_cap_are_refused_and_credits_are_not_capped()
    {
        await Store.SaveLimits(_account, 500, 2_000);
        await Store.Apply(_account, [Credit("c", 1_000_000)], At);

        var results = await Store.Apply(_account, [Charge("a", 1_500), Charge("b", 600), Charge("c2", 500), Credit("d", 10)], At);

        Assert.Equal([MovementOutcome.Applied, MovementOutcome.CapReached, MovementOutcome.Applied, MovementOutcome.Applied], results.Select(r => r.Outcome));
        var row = await Store.Load(_account, Today);
        Assert.Equal((500L, (long?)2_000, 2_000L), (row.LowThreshold, row.DailyCap, row.SpentToday(Today)));
        Assert.Equal(0, row.SpentToday(Today.AddDays(1))); // a new day starts from nothing
    }

    [Fact]
    public async Task The_ledger_pages_newest_first_with_filters_and_spend_is_summed_per_day_and_service()
    {
        await Store.Apply(_account, [Credit("c", 1_000_000)], At);
        for (var i = 0; i < 7; i++)
        {
            await Store.Apply(_account, [Charge($"ai:{i}", 100 + i), Charge($"bot:{i}", 10, BillingServices.BotMessage)], At);
        }

        var first = await Store.Ledger(_account, new LedgerQuery(4, Kind: LedgerKind.Charge, Service: BillingServices.AiMessage));
        var second = await Store.Ledger(_account, new LedgerQuery(4, first[^1].Id, LedgerKind.Charge, BillingServices.AiMessage));
        var spend = await Store.Spend(_account, Today.AddDays(-1), Today);

        Assert.Equal(["ai:6", "ai:5", "ai:4", "ai:3"], first.Select(e => e.Key));
        Assert.Equal(["ai:2", "ai:1", "ai:0"], second.Select(e => e.Key));
        Assert.Empty(await Store.Ledger(_account, new LedgerQuery(10, From: At.AddMinutes(1))));
        Assert.Equal(8, (await Store.Ledger(_account, new LedgerQuery(100, To: At.AddMinutes(1), Kind: null, Service: null))).Count(e => e.Key.StartsWith("ai") || e.Key == "c"));
        Assert.Equal([new DailySpend(Today, BillingServices.AiMessage, 721, 7), new DailySpend(Today, BillingServices.BotMessage, 70, 7)], spend);
        Assert.Empty(await Store.Ledger(Guid.NewGuid(), new LedgerQuery(10))); // another account sees nothing
    }

    [Fact]
    public async Task Racing_writers_with_overlapping_keys_never_charge_a_key_twice_nor_drift_nor_overdraw()
    {
        // Two silos' stores at once (as during a brief double activation), thousands of charges, many keys sent twice.
        await Store.Apply(_account, [Credit("start", 300_000)], At);
        var keys = Enumerable.Range(0, 1_200).Select(i => $"ai:{i % 800}").ToArray();
        var stores = new[] { Store, Other };

        var results = await Task.WhenAll(keys.Chunk(20).Select((batch, i) =>
            stores[i % 2].Apply(_account, batch.Select(k => Charge(k, 500)).ToList(), At)));

        var ledger = new List<LedgerEntry>();
        for (long? before = null; ; before = ledger[^1].Id)
        {
            var page = await Store.Ledger(_account, new LedgerQuery(1000, before));
            if (page.Count == 0)
            {
                break;
            }
            ledger.AddRange(page);
        }
        var row = await Store.Load(_account, Today);
        Assert.Equal(row.Balance, ledger.Sum(e => e.Amount));
        Assert.Equal(ledger.Count, ledger.Select(e => e.Key).Distinct().Count());
        Assert.All(ledger, e => Assert.True(e.BalanceAfter >= 0, $"{e.Key} left {e.BalanceAfter}"));
        var applied = results.SelectMany(r => r).Count(r => r.Outcome == MovementOutcome.Applied);
        Assert.Equal(600, applied); // 300,000 / 500: then the money ran out
        Assert.Equal(0, row.Balance);
        Assert.Equal(applied + 1, ledger.Count);
    }

    [Fact]
    public async Task Invalid_movements_are_refused_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Apply(_account, [Credit("ok", 10), new Movement("", 5, LedgerKind.TopUp)], At));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Apply(_account, [new Movement("x", 5, LedgerKind.Charge)], At));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.Apply(_account, [new Movement("y", 5, LedgerKind.Adjustment)], At));
        Assert.Empty(await Store.Ledger(_account, new LedgerQuery(10)));
    }
}

public sealed class InMemoryBillingStoreTests : BillingStoreContract
{
    private readonly InMemoryBillingStore _store = new(TimeProvider.System);

    protected override IBillingStore Store => _store;
    protected override IBillingStore Other => _store;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresBillingStoreTests(MigratedDatabase database) : BillingStoreContract, IClassFixture<MigratedDatabase>
{
    protected override IBillingStore Store { get; } = new PostgresBillingStore(database.DataSource, TimeProvider.System);
    protected override IBillingStore Other { get; } = new PostgresBillingStore(Npgsql.NpgsqlDataSource.Create(database.ConnectionString), TimeProvider.System);
}
