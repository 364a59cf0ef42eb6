using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Streams;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Dialogs;
using ReplyX.Fakes;
using ReplyX.Hosting;

// Dialog throughput with a zero-latency fake model: how much does ReplyX itself cost per message?
//   dotnet run -c Release --project bench/ReplyX.Bench -- [--dialogs 500] [--messages 5] [--postgres-admin "Host=…;Username=postgres"]
// With --postgres-admin it measures PostgreSQL storage (in a fresh database), otherwise the in-memory default;
// one storage per process, so runs do not disturb each other.
// Telegram bots, closed loop (bursts, then wait for every reply): --bots N --messages C [--rounds R] [--http2]
// Telegram bots, open loop (arrivals by the clock): --open-loop [--bots 1000] [--rate 2] [--chats 20] [--duration 10]
//   [--phases cold,warm,over] [--over-rate 2.5×rate] [--warmup 10] [--drain 60] [--tick-ms 5] [--mute-log] [--http2]
//   --no-billing: replies are not charged (to compare with charging, which is on by default)
//   more phases: indexing (warm while a 100-page document indexes for another assistant of the account),
//   grounded (warm once the bots' own assistant has that document: every message is retrieved for)
// The silo runs in this process: its meters are exported as the host's operations surface exports them.
ReplyX.Hosting.MeterExport.Configure();
var dialogs = Arg("--dialogs", 500);
var messagesPerDialog = Arg("--messages", 5);
var postgresAdmin = ArgText("--postgres-admin");
var streamPartials = ArgText("--stream-partials") ?? "true";
if (args.Contains("--fake-server"))
{
    await ReplyX.Bench.FakeHost.Run(args.Contains("--http2"));
    return;
}
// Live widget streams: --sse [--connections 10000] [--rate 1000] [--duration 30] [--cap 10000] [--over 1000]
// (build the solution in Release first: it runs src/Silo's binary)
if (args.Contains("--sse"))
{
    await ReplyX.Bench.SseBench.Run(Arg("--connections", 10_000), ArgDouble("--rate", 1000), ArgDouble("--duration", 30), Arg("--cap", 10_000), Arg("--over", 1000));
    return;
}
// Knowledge base: indexing throughput per format and embedder, search latency per store at 10k and 100k chunks:
//   --knowledge [--sizes 10000,100000] [--queries 200] [--postgres-admin "…"] [--pgvector "<PGlite connection string>"]
//   [--stores indexing,memory,postgres,pgvector] (what to measure; default all of them that are configured)
if (args.Contains("--knowledge"))
{
    await ReplyX.Bench.KnowledgeBench.Run((ArgText("--sizes") ?? "10000,100000").Split(',').Select(int.Parse).ToArray(), Arg("--queries", 200),
        postgresAdmin is null ? null : await NewDatabase(postgresAdmin), ArgText("--pgvector"),
        (ArgText("--stores") ?? "indexing,memory,postgres,pgvector").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(),
        ReplyX.Bench.KnowledgeBench.EvalFolder);
    return;
}
// Balance grains: charges per second for one hot account and over 1,000: --billing [--charges 20000] [--rate 5000] [--postgres-admin "…"]
if (args.Contains("--billing"))
{
    await ReplyX.Bench.BillingBench.Run(postgresAdmin is null ? null : await NewDatabase(postgresAdmin), Arg("--charges", 20_000), ArgDouble("--rate", 5_000),
        FreePort(), FreePort());
    return;
}
ReplyX.Bench.BotRig.Billing = !args.Contains("--no-billing");
if (args.Contains("--open-loop"))
{
    // Defaults: the reference scenario, 1,000 bots × 2 messages/s over 20 chats each, 10 s per phase.
    var rate = ArgDouble("--rate", 2);
    await ReplyX.Bench.OpenLoopBench.Run(Arg("--bots", 1000), new ReplyX.Bench.OpenLoopOptions(
            rate, Arg("--chats", 20), ArgDouble("--duration", 10), (ArgText("--phases") ?? "cold,warm,over").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ArgDouble("--over-rate", rate * 2.5), ArgDouble("--warmup", 10), TimeSpan.FromSeconds(ArgDouble("--drain", 60)), TimeSpan.FromMilliseconds(ArgDouble("--tick-ms", 5)), args.Contains("--mute-log")),
        FreePort(), FreePort(), args.Contains("--http2"), postgresAdmin is null ? null : await NewDatabase(postgresAdmin));
    return;
}
if (ArgText("--bots") is { } botCount)
{
    Console.WriteLine($"ReplyX Telegram benchmark: fake Bot API and zero-latency model in a separate process, {Environment.ProcessorCount} cores, Bot API over {(args.Contains("--http2") ? "HTTP/2" : "HTTP/1.1")}");
    Console.WriteLine("| bots | start s (all polling) | working set KB/bot | managed KB/bot | replies | replies/s | update→reply p50 ms | p99 ms | silo CPU ms/reply | fake CPU ms/reply | 429s |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
    await ReplyX.Bench.BotBench.Run(int.Parse(botCount), messagesPerDialog, FreePort(), FreePort(), Arg("--rounds", 2), args.Contains("--alloc-profile"), args.Contains("--http2"),
        postgresAdmin is null ? null : await NewDatabase(postgresAdmin));
    return;
}

await using var fake = await FakeOpenAi.StartAsync();
Console.WriteLine($"ReplyX dialog benchmark: {dialogs} dialogs x {messagesPerDialog} messages, zero-latency fake model, streamed partials {streamPartials}, {Environment.ProcessorCount} cores");
Console.WriteLine();
Console.WriteLine("| storage | messages | answered/s | post p50 ms | post p99 ms | answer stored p50 ms | answer stored p99 ms | answer received p50 ms | answer received p99 ms | CPU ms/message | working set MB |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
if (postgresAdmin is null)
{
    await Run("memory", null);
}
else
{
    await Run("postgres", await NewDatabase(postgresAdmin));
}

async Task Run(string storage, string? postgres)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    var settings = new Dictionary<string, string?>
    {
        ["Cluster:SiloPort"] = FreePort().ToString(),
        ["Cluster:GatewayPort"] = FreePort().ToString(),
        ["Cluster:ClusterId"] = "bench-" + storage,
        ["Storage:Provider"] = postgres is null ? "Memory" : "Postgres",
        ["ConnectionStrings:Postgres"] = postgres,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Dialogs:StreamPartials"] = streamPartials,
        // Its dialogs belong to made-up accounts with no balance; the bot benchmarks measure charging.
        ["Billing:Enabled"] = "false",
    };
    builder.Configuration.AddInMemoryCollection(settings);
    builder.AddReplyXSilo();
    using var host = builder.Build();
    await host.StartAsync();
    var grains = host.Services.GetRequiredService<IClusterClient>();

    var model = "bench-model";
    await grains.GetGrain<IAiAdminGrain>(0).Save(
        new AiTokenSettings(Guid.NewGuid(), AiProviderKind.Custom, fake.BaseUrl, [model], 1, null, null, true, null, null, null, null), "sk-bench");
    var account = Guid.NewGuid();
    if (postgres is not null)
    {
        await using var db = NpgsqlDataSource.Create(postgres);
        await using var insert = db.CreateCommand("INSERT INTO accounts (id, name) VALUES (@id, 'Bench')");
        insert.Parameters.AddWithValue("id", account);
        await insert.ExecuteNonQueryAsync();
    }
    var assistantId = Guid.NewGuid();
    await grains.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
        "Bench", "You answer briefly.", model, null, "en", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));

    // Answers arrive on the account stream; one subscription serves every dialog of the run.
    var waiting = new ConcurrentDictionary<(Guid, long), TaskCompletionSource<DateTimeOffset>>();
    var stream = grains.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, account));
    var subscription = await stream.SubscribeAsync((e, _) =>
    {
        if (e.Kind == DialogEventKinds.Message && e.Message is { Author: MessageAuthor.Assistant } m && waiting.TryRemove((e.DialogId, m.Seq - 1), out var done))
        {
            done.TrySetResult(m.At);
        }
        return Task.CompletedTask;
    });

    async Task<(List<double> Post, List<double> Stored, List<double> Answer)> Conversations(int count, int perDialog)
    {
        var post = new ConcurrentBag<double>();
        var stored = new ConcurrentBag<double>();
        var answer = new ConcurrentBag<double>();
        await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            var id = Guid.NewGuid();
            var dialog = grains.GetGrain<IDialogGrain>(id);
            await dialog.Open(new DialogStart(account, assistantId, "bench", null));
            for (var i = 0; i < perDialog; i++)
            {
                // The answer to user message n is message n + 1 of the dialog.
                var expected = i * 2 + 1;
                var done = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting[(id, expected)] = done;
                var sent = DateTimeOffset.UtcNow;
                var watch = Stopwatch.StartNew();
                var posted = await dialog.PostUserMessage($"question number {i}", null);
                post.Add(watch.Elapsed.TotalMilliseconds);
                if (posted.Seq != expected)
                {
                    throw new InvalidOperationException($"Unexpected sequence {posted.Seq}, wanted {expected}");
                }
                // Stored: when the grain wrote the answer (the platform's own time); received: when the stream
                // delivered it here (adds the memory stream's polling delay).
                DateTimeOffset storedAt;
                try
                {
                    storedAt = await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
                }
                catch (TimeoutException)
                {
                    var snapshot = await dialog.Get(account);
                    throw new InvalidOperationException(
                        $"No answer event for message {expected} of dialog {id} within 60 s. Dialog: mode {snapshot?.Mode}, busy {snapshot?.AiBusy}, " +
                        $"last seq {snapshot?.LastSeq}, pending {snapshot?.PendingForAi}, messages: " +
                        string.Join(" | ", snapshot?.Recent.TakeLast(4).Select(m => $"{m.Seq} {m.Author}: {m.Text}") ?? []));
                }
                answer.Add(watch.Elapsed.TotalMilliseconds);
                stored.Add(Math.Max(0, (storedAt - sent).TotalMilliseconds));
            }
        }));
        return (post.ToList(), stored.ToList(), answer.ToList());
    }

    await Conversations(50, 2); // warm-up: JIT, connection pools, activations
    var process = Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;

    var clock = Stopwatch.StartNew();
    var (posts, stored, answers) = await Conversations(dialogs, messagesPerDialog);
    clock.Stop();
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpuBefore;
    var total = dialogs * messagesPerDialog;
    Console.WriteLine($"| {storage} | {total} | {total / clock.Elapsed.TotalSeconds:0} | {P(posts, 50):0.00} | {P(posts, 99):0.00} | {P(stored, 50):0.00} | {P(stored, 99):0.00} | {P(answers, 50):0.00} | {P(answers, 99):0.00} | {cpu.TotalMilliseconds / total:0.000} | {process.WorkingSet64 / 1024 / 1024} |");

    await subscription.UnsubscribeAsync();

    // The AI leg alone (router → key grain → OpenAI SDK → fake over loopback HTTP → usage record), to
    // separate its cost from the dialog's own.
    var router = host.Services.GetRequiredService<AiRouter>();
    var aiCalls = dialogs * messagesPerDialog;
    var next = 0;
    cpuBefore = process.TotalProcessorTime;
    var aiClock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) <= aiCalls)
        {
            await router.Complete(new AiRequest(account, model, [], [new AiChatMessage("system", "You answer briefly."), new AiChatMessage("user", "question number 1")]));
        }
    }));
    aiClock.Stop();
    process.Refresh();
    Console.WriteLine($"|   AI leg only ({storage}) | {aiCalls} | {aiCalls / aiClock.Elapsed.TotalSeconds:0} | | | | | | | {(process.TotalProcessorTime - cpuBefore).TotalMilliseconds / aiCalls:0.000} | |");
    await host.StopAsync();
}

static async Task<string> NewDatabase(string postgresAdmin)
{
    var name = "replyx_bench_" + Guid.NewGuid().ToString("N")[..8];
    await using (var admin = new NpgsqlConnection(postgresAdmin))
    {
        await admin.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
        await create.ExecuteNonQueryAsync();
    }
    return new NpgsqlConnectionStringBuilder(postgresAdmin) { Database = name, MaxPoolSize = 50 }.ConnectionString;
}

static double P(List<double> values, int percentile)
{
    values.Sort();
    return values[Math.Min(values.Count - 1, (int)Math.Ceiling(percentile / 100.0 * values.Count) - 1)];
}

// Outside the ephemeral range: a port 0 listener's port, once released, may be taken by an outgoing connection.
static int FreePort() => FreePorts.Next();

int Arg(string name, int fallback) => ArgText(name) is { } v ? int.Parse(v) : fallback;

double ArgDouble(string name, double fallback) => ArgText(name) is { } v ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

string? ArgText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
