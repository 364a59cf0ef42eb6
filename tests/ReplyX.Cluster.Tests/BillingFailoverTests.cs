using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Runtime;
using ReplyX.Billing;

namespace ReplyX.Cluster.Tests;

/// <summary>
/// Money on real servers, with a silo process killed mid-run: thousands of charges from many dialogs in parallel,
/// each key sent more than once (as a caller retrying after a crash does), against one account on PostgreSQL.
/// The balance grain batches charges; the silo holding it dies with batches in flight.
/// </summary>
public sealed class BillingFailoverTests(ITestOutputHelper output)
{
    private const int Dialogs = 120;
    private const int RepliesPerDialog = 25;
    private const int Copies = 2;
    private const long Charge = 1_000_000; // 1 ₽ per reply
    private const long Credit = 2_500 * Charge; // less than the 3,000 replies, so the balance runs out mid-run

    [Fact]
    public async Task Charges_racing_a_killed_silo_are_each_written_once_and_the_ledger_matches_the_balance()
    {
        var clusterId = "billing-" + Guid.NewGuid().ToString("N")[..8];
        var postgres = await HostProcess.CreateDatabase("billingfailover");
        var silos = new List<(HostProcess Process, int SiloPort)>();
        try
        {
            for (var i = 1; i <= 2; i++)
            {
                var environment = FailoverTests.SiloEnvironment(clusterId, postgres);
                environment["Billing__Enabled"] = "true";
                var process = HostProcess.Start(HostProcess.SiloDll, $"silo-{i}", environment);
                silos.Add((process, int.Parse(environment["Cluster__SiloPort"])));
                await process.WaitHealthy(TimeSpan.FromSeconds(90)); // the first migrates the empty database alone
            }
            using var clientHost = await FailoverTests.ConnectClient(clusterId);
            var client = clientHost.Services.GetRequiredService<IClusterClient>();
            var joined = Stopwatch.StartNew();
            while (await FailoverTests.ActiveSilos(client) < 2)
            {
                Assert.True(joined.Elapsed < TimeSpan.FromSeconds(30), "the second silo never became active");
                await Task.Delay(100);
            }

            var account = Guid.NewGuid();
            var balance = client.GetGrain<IBalanceGrain>(account);
            Assert.Equal(MovementOutcome.Applied, (await balance.Apply(new Movement("topup:start", Credit, LedgerKind.TopUp))).Outcome);
            var home = await client.GetGrain<IManagementGrain>(0).GetActivationAddress(balance);
            Assert.NotNull(home);
            var victim = silos.Single(s => s.SiloPort == home.Endpoint.Port);

            // Every reply's charge is sent Copies times, in a shuffled order, by 64 callers at once.
            var keys = Enumerable.Range(0, Dialogs)
                .SelectMany(d => Enumerable.Range(1, RepliesPerDialog).Select(seq => $"ai:{new Guid(d, 0, 0, new byte[8]):N}:{seq}"))
                .ToArray();
            var calls = new ConcurrentQueue<string>(keys.SelectMany(k => Enumerable.Repeat(k, Copies)).OrderBy(_ => Random.Shared.Next()));
            var total = calls.Count;
            var outcomes = new ConcurrentDictionary<string, ConcurrentBag<MovementOutcome>>();
            var done = 0;
            var retries = 0;
            var killAt = total / 3;
            var killed = new TaskCompletionSource();
            var deadline = Stopwatch.StartNew();

            async Task Caller()
            {
                while (calls.TryDequeue(out var key))
                {
                    var movement = new Movement(key, -Charge, LedgerKind.Charge, BillingServices.AiMessage, key);
                    while (true)
                    {
                        Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(150), $"charges still failing {deadline.Elapsed} into the run");
                        try
                        {
                            var result = await balance.Apply(movement).WaitAsync(TimeSpan.FromSeconds(5));
                            outcomes.GetOrAdd(key, _ => []).Add(result.Outcome);
                            break;
                        }
                        catch (Exception ex) when (ex is OrleansException or TimeoutException or SiloUnavailableException or OperationCanceledException)
                        {
                            // The silo holding the balance died under this call: the charge may or may not be written.
                            // A caller sends it again under the same key, as the reply pipeline does on recovery.
                            Interlocked.Increment(ref retries);
                            await Task.Delay(50);
                        }
                    }
                    if (Interlocked.Increment(ref done) == killAt)
                    {
                        victim.Process.Kill();
                        killed.SetResult();
                    }
                }
            }

            await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(Caller)));
            silos.Remove(victim);
            Assert.True(killed.Task.IsCompleted, "the silo was never killed");
            var after = await client.GetGrain<IManagementGrain>(0).GetActivationAddress(balance);
            output.WriteLine($"{total} calls for {keys.Length} keys in {deadline.Elapsed.TotalSeconds:0.0} s, {retries} retried after the kill; "
                + $"balance grain moved from {home} to {after}");
            Assert.True(retries > 0, "no call was caught by the kill: the test did not test a crash");
            Assert.NotEqual(home, after);

            var ledger = await ReadLedger(postgres, account);
            var stored = await ReadBalance(postgres, account);
            var charged = ledger.Where(r => r.Key.StartsWith("ai:", StringComparison.Ordinal)).ToList();

            // No key charged twice, and every row is one of ours.
            Assert.Equal(charged.Count, charged.Select(r => r.Key).Distinct().Count());
            Assert.All(charged, r => Assert.Equal(-Charge, r.Amount));
            // Every key got a definite answer, and its copies agree: charged (first time or seen before) or refused.
            Assert.Equal(keys.Length, outcomes.Count);
            var paid = outcomes.Where(o => o.Value.Any(x => x is MovementOutcome.Applied or MovementOutcome.Duplicate)).Select(o => o.Key).ToHashSet();
            var refused = outcomes.Where(o => o.Value.All(x => x == MovementOutcome.Insufficient)).Select(o => o.Key).ToHashSet();
            Assert.Equal(keys.Length, paid.Count + refused.Count);
            Assert.All(outcomes, o => Assert.True(o.Value.Count(x => x == MovementOutcome.Applied) <= 1, $"{o.Key} applied twice"));
            // Every charge a caller was told about is in the ledger (no answered reply uncharged), and nothing else is.
            Assert.Equal(paid.OrderBy(k => k), charged.Select(r => r.Key).OrderBy(k => k));
            // The balance ran out and was never overdrawn: 2,500 ₽ bought exactly 2,500 replies.
            Assert.Equal((int)(Credit / Charge), paid.Count);
            Assert.All(ledger, r => Assert.True(r.BalanceAfter >= 0, $"{r.Key} left {r.BalanceAfter}"));
            // The ledger adds up to the balance, in the database and in the reactivated grain.
            Assert.Equal(ledger.Sum(r => r.Amount), stored);
            Assert.Equal(0, stored);
            Assert.Equal(stored, (await balance.Get()).Balance);
            // Each row's balance follows from the previous one.
            var running = 0L;
            foreach (var row in ledger)
            {
                running += row.Amount;
                Assert.Equal(running, row.BalanceAfter);
            }
        }
        finally
        {
            foreach (var (process, _) in silos)
            {
                await process.DisposeAsync();
            }
        }
    }

    internal sealed record Row(string Key, long Amount, long BalanceAfter);

    /// <summary>An account's ledger rows in the order they were written.</summary>
    internal static async Task<List<Row>> ReadLedger(string postgres, Guid account)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT idempotency_key, amount, balance_after FROM balance_transactions WHERE account_id = @a ORDER BY id", connection);
        command.Parameters.AddWithValue("a", account);
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return rows;
    }

    internal static async Task<long> ReadBalance(string postgres, Guid account)
    {
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT balance FROM account_balances WHERE account_id = @a", connection);
        command.Parameters.AddWithValue("a", account);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
