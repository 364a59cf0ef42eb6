using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Bots;
using ReplyX.Hosting;

namespace ReplyX.Bench;

/// <summary>
/// Telegram bots in one silo against the fake Bot API and a zero-latency fake model running in a separate
/// process (<see cref="FakeHost"/>): how long N bots take to start polling, memory per bot, and replies per
/// second, update-to-reply latency and silo CPU per reply.
/// </summary>
public static class BotBench
{
    public static async Task Run(int bots, int messagesPerBot, int siloPort, int gatewayPort, int rounds = 2, bool allocationProfile = false, bool http2 = false, string? postgres = null)
    {
        using var allocations = allocationProfile ? new AllocationProfile() : null;
        using var fakes = StartFakes(http2, out var telegramUrl, out var aiUrl, out var controlUrl);
        using var control = new HttpClient { BaseAddress = new Uri(controlUrl), Timeout = TimeSpan.FromMinutes(2) };
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = siloPort.ToString(),
            ["Cluster:GatewayPort"] = gatewayPort.ToString(),
            ["Storage:Provider"] = postgres is null ? "Memory" : "Postgres",
            ["ConnectionStrings:Postgres"] = postgres,
            ["Telegram:ApiBaseUrl"] = telegramUrl,
            ["Telegram:PollTimeout"] = "00:00:25",
            ["Telegram:HttpVersion"] = http2 ? "Http2" : "Http11",
            ["Dialogs:StreamPartials"] = "false",
            ["Logging:LogLevel:Default"] = "Error",
        });
        builder.AddReplyXSilo();
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        await grains.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(Guid.NewGuid(), AiProviderKind.Custom, aiUrl, ["bench-model"], 1, null, null, true, null, null, null, null), "sk-bench");
        var account = Guid.NewGuid();
        if (postgres is not null)
        {
            // Bots and assistants belong to an account row (foreign keys).
            await using var db = Npgsql.NpgsqlDataSource.Create(postgres);
            await using var insert = db.CreateCommand("INSERT INTO accounts (id, name) VALUES (@id, 'Bench')");
            insert.Parameters.AddWithValue("id", account);
            await insert.ExecuteNonQueryAsync();
        }
        var assistantId = Guid.NewGuid();
        await grains.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            "Bench", "Be brief.", "bench-model", null, "en", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));

        var tokens = (await (await control.PostAsync($"/bots?count={bots}", null)).Content.ReadAsStringAsync()).Split('\n');
        var tokenIndex = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var memoryBefore = process.WorkingSet64;
        var managedBefore = GC.GetTotalMemory(true);
        var startClock = Stopwatch.StartNew();
        var semaphore = new SemaphoreSlim(64);
        await Task.WhenAll(tokens.Select(async token =>
        {
            await semaphore.WaitAsync();
            try
            {
                var result = await grains.GetGrain<IBotGrain>(Guid.NewGuid()).Connect(account, assistantId, token);
                if (result.Error != ConnectError.None)
                {
                    throw new InvalidOperationException($"{token}: {result.Error} {result.Detail}");
                }
            }
            finally
            {
                semaphore.Release();
            }
        }));
        while (int.Parse(await control.GetStringAsync("/ready")) < bots)
        {
            await Task.Delay(50);
        }
        startClock.Stop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        process.Refresh();
        var perBotKb = (process.WorkingSet64 - memoryBefore) / 1024.0 / bots;
        var managedPerBotKb = (GC.GetTotalMemory(true) - managedBefore) / 1024.0 / bots;
        Console.Error.WriteLine($"{bots} bots polling after {startClock.Elapsed.TotalSeconds:0.0} s; {perBotKb:0.0} KB working set, {managedPerBotKb:0.0} KB managed per bot");

        var total = bots * messagesPerBot;
        var results = new List<(int Replies, double Seconds, double P50, double P99, double SiloCpu, double FakeCpu, int Flood, double DbCpu)>();
        // Round 0 warms up (JIT, connection pools, dialog activations); the following rounds are measured.
        for (var round = 0; round <= rounds; round++)
        {
            if (allocations is not null)
            {
                allocations.Recording = round > 0;
            }
            // Each bot gets messagesPerBot private chats, each asking one question at once: Telegram's one
            // message per second per chat would otherwise be the whole story.
            var written = new long[bots, messagesPerBot];
            var latencies = new List<double>(total);
            var stats = (await control.GetStringAsync("/stats")).Split('\t');
            var (floodBefore, fakeCpuBefore) = (int.Parse(stats[0]), double.Parse(stats[1]));
            var cpuBefore = process.TotalProcessorTime;
            var dbCpuBefore = PostgresCpuMilliseconds();
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var clock = Stopwatch.StartNew();
            var lines = new StringBuilder();
            for (var c = 0; c < messagesPerBot; c++)
            {
                for (var b = 0; b < bots; b++)
                {
                    lines.Append(tokens[b]).Append('\t').Append(Chat(b, c)).Append("\tquestion ").Append(round).Append('\n');
                }
            }
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (var c = 0; c < messagesPerBot; c++)
            {
                for (var b = 0; b < bots; b++)
                {
                    written[b, c] = now;
                }
            }
            await control.PostAsync("/write", new StringContent(lines.ToString()));
            while (latencies.Count < total)
            {
                if (clock.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new TimeoutException($"only {latencies.Count} of {total} replies after 5 minutes");
                }
                foreach (var line in (await control.GetStringAsync("/sent")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    var parts = line.Split('\t');
                    var b = tokenIndex[parts[0]];
                    var c = (int)(long.Parse(parts[1]) - Chat(b, 0));
                    latencies.Add(long.Parse(parts[2]) - written[b, c]);
                }
                await Task.Delay(20);
            }
            clock.Stop();
            process.Refresh();
            Console.Error.WriteLine($"round {round}: GCs gen0 {GC.CollectionCount(0) - gcBefore.Item1}, gen1 {GC.CollectionCount(1) - gcBefore.Item2}, gen2 {GC.CollectionCount(2) - gcBefore.Item3}");
            stats = (await control.GetStringAsync("/stats")).Split('\t');
            latencies.Sort();
            results.Add((total, clock.Elapsed.TotalSeconds, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)],
                (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / total, (double.Parse(stats[1]) - fakeCpuBefore) / total, int.Parse(stats[0]) - floodBefore,
                (PostgresCpuMilliseconds() - dbCpuBefore) / total));
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the chats' one-per-second spacing passes before the next round
        }
        allocations?.Print(30, (long)total * rounds);
        foreach (var r in results.Skip(1))
        {
            Console.WriteLine($"| {bots} | {startClock.Elapsed.TotalSeconds:0.0} | {perBotKb:0.0} | {managedPerBotKb:0.0} | {r.Replies} | {r.Replies / r.Seconds:0} | " +
                $"{r.P50:0} | {r.P99:0} | {r.SiloCpu:0.000} | {r.FakeCpu:0.000} | {r.Flood} |" + (postgres is null ? "" : $" PostgreSQL CPU {r.DbCpu:0.000} ms/reply |"));
        }
        await host.StopAsync();
    }

    /// <summary>CPU time of every PostgreSQL process on this machine (the benchmark's server is local).</summary>
    private static double PostgresCpuMilliseconds()
    {
        double ticks = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => char.IsAsciiDigit(Path.GetFileName(d)[0])))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                if (!stat[..close].Contains("(postgres"))
                {
                    continue;
                }
                var fields = stat[(close + 2)..].Split(' ');
                ticks += double.Parse(fields[11]) + double.Parse(fields[12]); // utime, stime
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // the process ended meanwhile
            }
        }
        return ticks * 10; // 100 ticks per second
    }

    private static long Chat(int bot, int chat) => 1_000_000L + bot * 1000L + chat;

    private static Process StartFakes(bool http2, out string telegramUrl, out string aiUrl, out string controlUrl)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(BotBench).Assembly.Location);
        start.ArgumentList.Add("--fake-server");
        if (http2)
        {
            start.ArgumentList.Add("--http2");
        }
        var process = Process.Start(start)!;
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The fake server process did not start.");
        var urls = line[FakeHost.ReadyPrefix.Length..].Split(' ');
        (telegramUrl, aiUrl, controlUrl) = (urls[0], urls[1], urls[2]);
        return process;
    }
}
