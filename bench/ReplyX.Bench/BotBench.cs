using System.Diagnostics;
using System.Text;

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
        using var rig = await BotRig.Start(bots, siloPort, gatewayPort, http2, postgres);
        var (control, tokens, tokenIndex, process) = (rig.Control, rig.Tokens, rig.TokenIndex, rig.Process);
        var (startClock, perBotKb, managedPerBotKb) = (rig.StartTime, rig.PerBotKb, rig.ManagedPerBotKb);

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
            var dbCpuBefore = BotRig.PostgresCpuMilliseconds();
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
                (BotRig.PostgresCpuMilliseconds() - dbCpuBefore) / total));
            await Task.Delay(TimeSpan.FromSeconds(1.5)); // the chats' one-per-second spacing passes before the next round
        }
        allocations?.Print(30, (long)total * rounds);
        foreach (var r in results.Skip(1))
        {
            Console.WriteLine($"| {bots} | {startClock.TotalSeconds:0.0} | {perBotKb:0.0} | {managedPerBotKb:0.0} | {r.Replies} | {r.Replies / r.Seconds:0} | " +
                $"{r.P50:0} | {r.P99:0} | {r.SiloCpu:0.000} | {r.FakeCpu:0.000} | {r.Flood} |" + (postgres is null ? "" : $" PostgreSQL CPU {r.DbCpu:0.000} ms/reply |"));
        }
        await rig.Host.StopAsync();
    }

    private static long Chat(int bot, int chat) => 1_000_000L + bot * 1000L + chat;
}
