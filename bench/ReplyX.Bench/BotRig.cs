using System.Diagnostics;
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
/// What both Telegram benchmarks (closed and open loop) stand on: the fake Bot API and model in their own
/// process (<see cref="FakeHost"/>), a ReplyX silo in this one, one account and assistant, and N connected
/// bots all long-polling. Memory per bot is measured against the baseline taken before the bots connected.
/// </summary>
public sealed class BotRig : IDisposable
{
    private readonly Process _fakes;
    private readonly long _workingSetBefore;
    private readonly long _managedBefore;
    private readonly LogGate _log;

    public IHost Host { get; }
    public IClusterClient Grains { get; }
    public HttpClient Control { get; }
    public string[] Tokens { get; }
    /// <summary>The account every bot belongs to.</summary>
    public Guid Account { get; private init; }

    /// <summary>The assistant every bot answers with.</summary>
    public Guid Assistant { get; private init; }
    /// <summary>The one AI key (the fake model) every dialog uses.</summary>
    public Guid AiKey { get; private init; }
    /// <summary>The bot grains' ids, in the order of <see cref="Tokens"/>.</summary>
    public Guid[] BotIds { get; }
    public Dictionary<string, int> TokenIndex { get; }
    public Process Process { get; } = Process.GetCurrentProcess();
    public TimeSpan StartTime { get; }
    public double PerBotKb { get; }
    public double ManagedPerBotKb { get; }

    private BotRig(Process fakes, HttpClient control, IHost host, IClusterClient grains, string[] tokens, Guid[] botIds, long workingSetBefore, long managedBefore,
        TimeSpan startTime, double perBotKb, double managedPerBotKb, LogGate log)
    {
        BotIds = botIds;
        _log = log;
        (_fakes, Control, Host, Grains, Tokens, _workingSetBefore, _managedBefore, StartTime, PerBotKb, ManagedPerBotKb) =
            (fakes, control, host, grains, tokens, workingSetBefore, managedBefore, startTime, perBotKb, managedPerBotKb);
        TokenIndex = tokens.Select((t, i) => (t, i)).ToDictionary(x => x.t, x => x.i);
    }

    /// <param name="muteLog">Count the silo's errors without writing them to the console (the open loop's --mute-log).</param>
    /// <summary>Whether rigs charge replies to the bench account (<c>--no-billing</c> turns it off, to compare).</summary>
    public static bool Billing { get; set; } = true;

    public static async Task<BotRig> Start(int bots, int siloPort, int gatewayPort, bool http2, string? postgres, bool muteLog = false)
    {
        var fakes = StartFakes(http2, out var telegramUrl, out var aiUrl, out var controlUrl);
        var control = new HttpClient { BaseAddress = new Uri(controlUrl), Timeout = TimeSpan.FromMinutes(2) };
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        var log = new LogGate { Muted = muteLog };
        // The console gets errors unless muted (this rule is the last one added, so it decides for every provider
        // without a rule of its own); the tally gets warnings and errors, counted with a sample of each.
        builder.Logging.AddFilter((_, level) => level >= LogLevel.Error && !log.Muted);
        builder.Logging.AddProvider(log.Tally);
        builder.Logging.AddFilter<LogTally>(null, LogLevel.Warning);
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
            ["Billing:Enabled"] = Billing ? "true" : "false",
        });
        builder.AddReplyXSilo();
        var host = builder.Build();
        await host.StartAsync();
        var grains = host.Services.GetRequiredService<IClusterClient>();
        var aiKey = Guid.NewGuid();
        await grains.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(aiKey, AiProviderKind.Custom, aiUrl, ["bench-model"], 1, null, null, true, null, null, null, null), "sk-bench");
        var account = Guid.NewGuid();
        if (postgres is not null)
        {
            // Bots and assistants belong to an account row (foreign keys).
            await using var db = Npgsql.NpgsqlDataSource.Create(postgres);
            await using var insert = db.CreateCommand("INSERT INTO accounts (id, name) VALUES (@id, 'Bench')");
            insert.Parameters.AddWithValue("id", account);
            await insert.ExecuteNonQueryAsync();
        }
        // Enough for every reply of any run: charging is measured, never the reason a reply is refused.
        await grains.GetGrain<ReplyX.Billing.IBalanceGrain>(account).Apply(
            new ReplyX.Billing.Movement("bench-topup", 100_000 * ReplyX.Billing.Money.UnitsPerRouble, ReplyX.Billing.LedgerKind.TopUp));
        var assistantId = Guid.NewGuid();
        await grains.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            "Bench", "Be brief.", "bench-model", null, "en", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));

        var tokens = (await (await control.PostAsync($"/bots?count={bots}", null)).Content.ReadAsStringAsync()).Split('\n');
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var memoryBefore = process.WorkingSet64;
        var managedBefore = GC.GetTotalMemory(true);
        var startClock = Stopwatch.StartNew();
        var semaphore = new SemaphoreSlim(64);
        var botIds = tokens.Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(tokens.Select(async (token, i) =>
        {
            await semaphore.WaitAsync();
            try
            {
                var result = await grains.GetGrain<IBotGrain>(botIds[i]).Connect(account, assistantId, token);
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
        return new BotRig(fakes, control, host, grains, tokens, botIds, memoryBefore, managedBefore, startClock.Elapsed, perBotKb, managedPerBotKb, log) { AiKey = aiKey, Account = account, Assistant = assistantId };
    }

    /// <summary>
    /// Stops the silo with its log muted (counted instead): with memory storage, dialogs that still have a state
    /// write pending fail it at shutdown because the memory-storage grains are already gone, one stack trace each.
    /// </summary>
    public async Task StopQuietly()
    {
        _log.Muted = true;
        var before = ErrorLogCalls;
        await Host.StopAsync();
        if (ErrorLogCalls - before is > 0 and var muted)
        {
            Console.Error.WriteLine($"silo shutdown: {muted} errors logged (muted)");
        }
    }

    /// <summary>The silo's warnings and errors, counted (errors are also written to the console unless muted).</summary>
    public LogTally Log => _log.Tally;

    /// <summary>Errors the silo logged so far.</summary>
    public int ErrorLogCalls => _log.Tally.Errors;

    /// <summary>Working set and live managed memory (after a full collection) per bot, above the baseline taken before the bots connected.</summary>
    public (double WorkingSetKb, double ManagedKb) MemoryPerBot()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Process.Refresh();
        return ((Process.WorkingSet64 - _workingSetBefore) / 1024.0 / Tokens.Length, (GC.GetTotalMemory(true) - _managedBefore) / 1024.0 / Tokens.Length);
    }

    /// <summary>CPU time of every PostgreSQL process on this machine (the benchmark's server is local).</summary>
    public static double PostgresCpuMilliseconds()
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

    private static Process StartFakes(bool http2, out string telegramUrl, out string aiUrl, out string controlUrl)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(BotRig).Assembly.Location);
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

    private sealed class LogGate
    {
        public volatile bool Muted;
        public LogTally Tally { get; } = new();
    }

    public void Dispose()
    {
        Host.Dispose();
        Control.Dispose();
        _fakes.Dispose(); // closes its standard input: the fake server ends
    }
}
