using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using Orleans.TestingHost;
using ReplyX.Billing;
using ReplyX.Dialogs;
using ReplyX.Hosting;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Billing;

public sealed class BalanceClusterFixture : ReplyXClusterFixture
{
    protected override Task<Dictionary<string, string?>> Settings() => Task.FromResult(new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "Memory",
        ["Test:CountingBilling"] = "true",
        ["Billing:Enabled"] = "true",
        ["Billing:MaxBatch"] = "200",
    });

    public CountingBillingStore Store => Assert.IsType<InProcessSiloHandle>(Cluster.Primary).SiloHost.Services.GetRequiredService<CountingBillingStore>();
}

/// <summary>The balance grain: group commit of concurrent movements, exact results per caller, limits from memory, the low-balance event.</summary>
public sealed class BalanceGrainTests(BalanceClusterFixture fixture) : IClassFixture<BalanceClusterFixture>
{
    private IBalanceGrain Balance(Guid account) => fixture.Cluster.GrainFactory.GetGrain<IBalanceGrain>(account);

    [Fact]
    public async Task Thousands_of_concurrent_charges_are_written_in_few_transactions_and_each_caller_gets_its_own_result()
    {
        var account = Guid.NewGuid();
        var balance = Balance(account);
        await balance.Apply(new Movement("topup", 10_000_000, LedgerKind.TopUp));
        var before = fixture.Store.Transactions;

        var results = await Task.WhenAll(Enumerable.Range(0, 3_000).Select(i =>
            balance.Apply(new Movement($"ai:{i % 2_000}", -1_000, LedgerKind.Charge, BillingServices.AiMessage))));

        var transactions = fixture.Store.Transactions - before;
        Assert.True(transactions < 300, $"{transactions} transactions for 3,000 charges");
        Assert.Equal(2_000, results.Count(r => r.Outcome == MovementOutcome.Applied));
        Assert.Equal(1_000, results.Count(r => r.Outcome == MovementOutcome.Duplicate));
        // A duplicate returns the entry its key first wrote.
        var firsts = results.Where(r => r.Outcome == MovementOutcome.Applied).ToDictionary(r => r.Entry!.Key, r => r.Entry);
        Assert.All(results.Where(r => r.Outcome == MovementOutcome.Duplicate), r => Assert.Equal(firsts[r.Entry!.Key], r.Entry));
        var snapshot = await balance.Get();
        Assert.Equal(10_000_000 - 2_000_000, snapshot.Balance);
        Assert.Equal(2_000_000, snapshot.SpentToday);
        Assert.Equal(snapshot.Balance, (await fixture.Store.Load(account, BillingTime.Day(DateTimeOffset.UtcNow))).Balance);
    }

    [Fact]
    public async Task Spending_is_checked_from_memory_against_the_balance_and_the_daily_cap()
    {
        var balance = Balance(Guid.NewGuid());
        Assert.False(await balance.CanSpend(1));
        await balance.Apply(new Movement("topup", 5_000, LedgerKind.TopUp));
        await balance.SetLimits(0, dailyCap: 3_000);

        Assert.True(await balance.CanSpend(3_000));
        Assert.False(await balance.CanSpend(3_001)); // the cap
        Assert.Equal(MovementOutcome.Applied, (await balance.Apply(new Movement("a", -2_500, LedgerKind.Charge, BillingServices.AiMessage))).Outcome);
        Assert.False(await balance.CanSpend(600));
        Assert.Equal(MovementOutcome.CapReached, (await balance.Apply(new Movement("b", -600, LedgerKind.Charge, BillingServices.AiMessage))).Outcome);
        Assert.Equal(MovementOutcome.Insufficient, (await balance.Apply(new Movement("c", -9_000, LedgerKind.Adjustment, Reason: "test"))).Outcome);
        Assert.Equal(2_500, (await balance.Get()).Balance);
    }

    [Fact]
    public async Task Holds_and_movements_sent_together_are_taken_in_order_as_if_sent_one_by_one()
    {
        var balance = Balance(Guid.NewGuid());
        await balance.Apply(new Movement("topup", 1_000, LedgerKind.TopUp));

        // 400 + 400 fit in 1,000; the third 400 does not; a key held already is not held twice.
        Assert.Equal([true, true, false, true], await balance.ReserveMany([new Hold("a", 400), new Hold("b", 400), new Hold("c", 400), new Hold("a", 400)]));
        Assert.False(await balance.CanSpend(201));
        Assert.True(await balance.CanSpend(200));

        // Charging a held key takes its hold; an unheld charge counts while queued; a key seen before changes nothing.
        var results = await balance.ApplyMany([
            new Movement("a", -300, LedgerKind.Charge, BillingServices.AiMessage),
            new Movement("x", -100, LedgerKind.Charge, BillingServices.BotMessage),
            new Movement("a", -300, LedgerKind.Charge, BillingServices.AiMessage),
        ]);
        Assert.Equal([MovementOutcome.Applied, MovementOutcome.Applied, MovementOutcome.Duplicate], results.Select(r => r.Outcome));
        Assert.Equal(600, (await balance.Get()).Balance);
        // Left: 600, of which "b" holds 400.
        Assert.True(await balance.CanSpend(200));
        Assert.False(await balance.CanSpend(201));
        await balance.Release("b");
        Assert.True(await balance.CanSpend(600));
        Assert.False(await balance.CanSpend(601));
        await Assert.ThrowsAsync<ArgumentException>(() => balance.ApplyMany([new Movement("ok", -1, LedgerKind.Charge, BillingServices.AiMessage), new Movement("", 0, LedgerKind.Charge)]));
        Assert.Equal(600, (await balance.Get()).Balance); // the invalid batch applied nothing
    }

    [Fact]
    public async Task Falling_below_the_threshold_publishes_balance_low_once_on_the_account_feed()
    {
        var account = Guid.NewGuid();
        var balance = Balance(account);
        await balance.Apply(new Movement("topup", 10_000, LedgerKind.TopUp));
        await balance.SetLimits(lowThreshold: 5_000, dailyCap: null);
        var events = new System.Collections.Concurrent.ConcurrentQueue<DialogEvent>();
        var stream = fixture.Cluster.Client.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, account));
        var low = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = await stream.SubscribeAsync((e, _) =>
        {
            events.Enqueue(e);
            if (e.Kind == DialogEventKinds.BalanceLow)
            {
                low.TrySetResult();
            }
            return Task.CompletedTask;
        });

        await balance.Apply(new Movement("a", -4_000, LedgerKind.Charge, BillingServices.AiMessage)); // 6,000: still above
        await balance.Apply(new Movement("b", -2_000, LedgerKind.Charge, BillingServices.AiMessage)); // 4,000: below
        await balance.Apply(new Movement("c", -1_000, LedgerKind.Charge, BillingServices.AiMessage)); // still below: no second event
        await low.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await balance.Apply(new Movement("d", 1, LedgerKind.TopUp)); // a later event on the feed, so the check below sees all before it

        var evt = Assert.Single(events, e => e.Kind == DialogEventKinds.BalanceLow);
        Assert.Equal(("0.004000", "0.005000"), (evt.Partial, evt.Detail));
        await subscription.UnsubscribeAsync();
    }

    [Fact]
    public async Task A_failed_write_fails_its_callers_and_applies_nothing_and_the_grain_recovers()
    {
        var account = Guid.NewGuid();
        var balance = Balance(account);
        await balance.Apply(new Movement("topup", 10_000, LedgerKind.TopUp));

        fixture.Store.Failing = true;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => balance.Apply(new Movement("a", -1_000, LedgerKind.Charge, BillingServices.AiMessage)));
        }
        finally
        {
            fixture.Store.Failing = false;
        }
        Assert.Equal(10_000, (await balance.Get()).Balance);

        var retried = await balance.Apply(new Movement("a", -1_000, LedgerKind.Charge, BillingServices.AiMessage));
        Assert.Equal((MovementOutcome.Applied, 9_000L), (retried.Outcome, retried.Balance));
    }
}
