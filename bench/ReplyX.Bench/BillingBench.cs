using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplyX.Billing;
using ReplyX.Hosting;

namespace ReplyX.Bench;

/// <summary>
/// Charges per second through the balance grains (group commit), in one silo: one hot account charged by many
/// callers at once, and the same number of charges spread over 1,000 accounts; open loop (every charge is sent
/// at once, as dialogs would under a burst) and at a fixed arrival rate. Each charge has its own key, a tenth are
/// sent twice (retries), and afterwards the ledger must sum to the balance.
/// </summary>
public static class BillingBench
{
    public static async Task Run(string? postgres, int charges, double rate, int siloPort, int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = siloPort.ToString(),
            ["Cluster:GatewayPort"] = gatewayPort.ToString(),
            ["Cluster:ClusterId"] = "bench-billing",
            ["Storage:Provider"] = postgres is null ? "Memory" : "Postgres",
            ["ConnectionStrings:Postgres"] = postgres,
            ["Api:Enabled"] = "false",
        });
        builder.AddReplyXSilo();
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var store = host.Services.GetRequiredService<IBillingStore>();
        Console.WriteLine($"ReplyX billing benchmark: {(postgres is null ? "memory" : "PostgreSQL")} ledger, {charges} charges per run (a tenth sent twice), {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| accounts | arrival | charges/s | p50 ms | p99 ms | transactions | ledger = balance |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        await Measure(grains, store, 1, charges, null, "warm-up", print: false);
        foreach (var accounts in new[] { 1, 1000 })
        {
            await Measure(grains, store, accounts, charges, null, "burst");
            await Measure(grains, store, accounts, charges, rate, $"{rate:0}/s");
        }
        await host.StopAsync();
    }

    private static async Task Measure(IClusterClient grains, IBillingStore store, int accounts, int charges, double? rate, string arrival, bool print = true)
    {
        var ids = Enumerable.Range(0, accounts).Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(ids.Select(id => grains.GetGrain<IBalanceGrain>(id).Apply(new Movement("topup", 1_000 * Money.UnitsPerRouble, LedgerKind.TopUp))));
        var transactionsBefore = BalanceGrain.Transactions.Value;
        var latencies = new double[charges + charges / 10];
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(latencies.Length);
        for (var i = 0; i < latencies.Length; i++)
        {
            if (rate is { } r && i / r > clock.Elapsed.TotalSeconds)
            {
                await Task.Delay(TimeSpan.FromSeconds(i / r) - clock.Elapsed);
            }
            var n = i < charges ? i : (i - charges) * 10; // the retries: every tenth charge again
            var slot = i;
            var account = ids[n % accounts];
            var started = clock.Elapsed;
            tasks.Add(grains.GetGrain<IBalanceGrain>(account).Apply(new Movement($"ai:{n}", -1_000, LedgerKind.Charge, BillingServices.AiMessage))
                .ContinueWith(_ => latencies[slot] = (clock.Elapsed - started).TotalMilliseconds, TaskScheduler.Default));
        }
        await Task.WhenAll(tasks);
        var seconds = clock.Elapsed.TotalSeconds;
        var consistent = true;
        long ledgerRows = 0;
        foreach (var id in ids.Take(20))
        {
            var balance = (await grains.GetGrain<IBalanceGrain>(id).Get()).Balance;
            long sum = 0;
            for (long? before = null; ;)
            {
                var page = await store.Ledger(id, new LedgerQuery(1000, before));
                if (page.Count == 0)
                {
                    break;
                }
                sum += page.Sum(e => e.Amount);
                ledgerRows += page.Count;
                before = page[^1].Id;
            }
            consistent &= sum == balance && (await store.Load(id, BillingTime.Day(DateTimeOffset.UtcNow))).Balance == balance;
        }
        Array.Sort(latencies);
        if (print)
        {
            Console.WriteLine($"| {accounts} | {arrival} | {latencies.Length / seconds:0} | {latencies[latencies.Length / 2]:0.0} | {latencies[(int)(latencies.Length * 0.99)]:0.0} | " +
                $"{BalanceGrain.Transactions.Value - transactionsBefore:0} | {(consistent ? "yes" : "NO")} (first {Math.Min(20, accounts)} accounts checked) |");
        }
    }
}
