using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Bots;
using ReplyX.Fakes;
using ReplyX.Hosting;

namespace ReplyX.Bench;

/// <summary>
/// Telegram bots in one silo against a fake Bot API (same process): how long N bots take to start polling,
/// memory per bot, and replies per second, update-to-reply latency and CPU per reply with a zero-latency model.
/// </summary>
public static class BotBench
{
    public static async Task Run(int bots, int messagesPerBot, int FreePortSilo, int FreePortGateway)
    {
        await using var telegram = await FakeTelegram.StartAsync();
        await using var ai = await FakeOpenAi.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Cluster:SiloPort"] = FreePortSilo.ToString(),
            ["Cluster:GatewayPort"] = FreePortGateway.ToString(),
            ["Storage:Provider"] = "Memory",
            ["Telegram:ApiBaseUrl"] = telegram.BaseUrl,
            ["Telegram:PollTimeout"] = "00:00:10",
            ["Dialogs:StreamPartials"] = "false",
            ["Logging:LogLevel:Default"] = "Error",
        });
        builder.AddReplyXSilo();
        using var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        await grains.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(Guid.NewGuid(), AiProviderKind.Custom, ai.BaseUrl, ["bench-model"], 1, null, null, true, null, null, null, null), "sk-bench");
        var account = Guid.NewGuid();
        var assistantId = Guid.NewGuid();
        await grains.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            "Bench", "Be brief.", "bench-model", null, "en", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));

        var tokens = Enumerable.Range(0, bots).Select(i => telegram.AddBot($"bench_{i}_bot")).ToArray();
        GC.Collect();
        GC.WaitForPendingFinalizers();
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
        while (tokens.Any(t => telegram.Polls(t) == 0))
        {
            await Task.Delay(50);
        }
        startClock.Stop();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        process.Refresh();
        var perBotKb = (process.WorkingSet64 - memoryBefore) / 1024.0 / bots;
        var managedPerBotKb = (GC.GetTotalMemory(true) - managedBefore) / 1024.0 / bots;

        // Each bot gets messagesPerBot private chats, each asking one question at once: Telegram's one
        // message per second per chat would otherwise be the whole story.
        var written = new ConcurrentDictionary<(string, long), DateTimeOffset>();
        var latencies = new ConcurrentBag<double>();
        var total = bots * messagesPerBot;
        var rateLimitedBefore = telegram.RateLimited;
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var c = 0; c < messagesPerBot; c++)
        {
            for (var b = 0; b < bots; b++)
            {
                var chat = 1_000_000L + b * 1000 + c;
                written[(tokens[b], chat)] = DateTimeOffset.UtcNow;
                telegram.UserWrites(tokens[b], chat, $"question {c}");
            }
        }
        var seen = 0;
        while (seen < total)
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"only {seen} of {total} replies after 5 minutes");
            }
            while (telegram.Sent.TryDequeue(out var sent))
            {
                seen++;
                latencies.Add((sent.At - written[(sent.Token, sent.ChatId)]).TotalMilliseconds);
            }
            await Task.Delay(5);
        }
        clock.Stop();
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / total;
        var sorted = latencies.Order().ToArray();
        Console.WriteLine($"| {bots} | {startClock.Elapsed.TotalSeconds:0.0} | {perBotKb:0.0} | {managedPerBotKb:0.0} | {total} | {total / clock.Elapsed.TotalSeconds:0} | " +
            $"{sorted[sorted.Length / 2]:0} | {sorted[(int)(sorted.Length * 0.99)]:0} | {cpu:0.000} | {telegram.RateLimited - rateLimitedBefore} |");
        await host.StopAsync();
    }
}
