using System.Diagnostics;
using System.Text;

namespace ReplyX.Bench;

/// <summary>Settings of <see cref="OpenLoopBench"/>; see its summary.</summary>
public sealed record OpenLoopOptions(
    double Rate,
    int Chats,
    double DurationSeconds,
    IReadOnlyList<string> Phases,
    double OverRate,
    double WarmupSeconds,
    TimeSpan Drain,
    TimeSpan Tick,
    bool MuteLog);

/// <summary>
/// Open-loop Telegram benchmark: every bot receives questions at a fixed rate by the wall clock, whether or
/// not the replies keep up (real users do not wait for the previous answer), so an overloaded platform shows
/// as a growing backlog and unanswered messages instead of a lower but tidy throughput.
/// </summary>
/// <remarks>
/// The injector computes every message's instant up front (bot b's k-th message at (k + b/N) / R seconds,
/// so arrivals are spread evenly) and, every tick, posts everything due in one batch to the fake host's
/// <c>/inject</c>; if it falls behind it sends all that is overdue at once and never waits for replies.
/// Each text carries a unique number, echoed by the fake model, so every reply is matched to its question.
/// Both ends of the latency (update queued at the fake Bot API, sendMessage received by it) are taken in the
/// fake's process. Phases: cold (every message opens a new chat), warm (round-robin over the chats the cold
/// phase opened), over (the same chats at the over-capacity rate). After each phase's load the benchmark
/// waits until every message is answered or the drain deadline passes.
/// </remarks>
public static class OpenLoopBench
{
    private const string QuestionPrefix = "open-loop question #";
    private const string DroppedEventsMetric = "replyx_dialog_events_dropped_total";

    private enum ChatChoice
    {
        New,
        Existing,
        Warmup,
    }

    private sealed class Phase(string name, double rate, ChatChoice chats, long firstId, int count)
    {
        public string Name { get; } = name;
        public double Rate { get; } = rate;
        public ChatChoice Chats { get; } = chats;
        public long FirstId { get; } = firstId;
        public int Count { get; } = count;
        public long[] Offset { get; } = new long[count];   // scheduled instant, ticks after StartWall
        public int[] Bot { get; } = new int[count];
        public long[] Chat { get; } = new long[count];
        public long[] Written { get; } = new long[count];  // update queued at the fake (UTC ticks)
        public long[] Replied { get; } = new long[count];  // first reply received by the fake (UTC ticks), 0 = none
        public long StartWall;
        public long LoadEndWall;
        public int Injected;
        public int Batches;
        public int LargestBatch;
        public List<double> WakeLate { get; } = [];  // per batch: ms between its oldest message's instant and the scheduler cutting it
        public List<double> PostTime { get; } = [];  // per batch: ms the fake took to answer its /inject
        public int Answered;
        public int Late;          // replies that came after the phase was closed
        public int Duplicates;
        public int WrongChat;
        public bool Closed;

        public bool Holds(long id) => id >= FirstId && id < FirstId + Count;
    }

    public static async Task Run(int bots, OpenLoopOptions options, int siloPort, int gatewayPort, bool http2, string? postgres)
    {
        using var rig = await BotRig.Start(bots, siloPort, gatewayPort, http2, postgres, options.MuteLog);
        using var run = new Runner(rig, options, postgres is not null);
        var rows = new List<string>();
        if (options.WarmupSeconds > 0)
        {
            // Half the rate, half the messages in new chats, and answered to the last message however long it takes:
            // it only has to get the code compiled and the pools filled, and must leave no backlog to the measured phases.
            // Rounds with pauses between until a round compiles next to nothing: tiered compilation moves a method
            // up one tier at a time, and starts counting its calls only once no new code has been compiled for a moment.
            for (var round = 1; round <= 6; round++)
            {
                var (row, jit) = await run.Measure($"warm-up {round}", options.Rate / 2, options.WarmupSeconds / 2, ChatChoice.Warmup, TimeSpan.FromMinutes(5));
                rows.Add(row);
                if (jit < TimeSpan.FromMilliseconds(100))
                {
                    break;
                }
                Console.Error.WriteLine(await run.Settle());
            }
        }
        var rest = await run.Settle();
        var notes = new List<string>();
        foreach (var name in options.Phases)
        {
            rows.Add(name switch
            {
                "cold" => (await run.Measure("cold", options.Rate, options.DurationSeconds, ChatChoice.New, options.Drain)).Row,
                "warm" => (await run.Measure("warm", options.Rate, options.DurationSeconds, ChatChoice.Existing, options.Drain)).Row,
                "over" => (await run.Measure("over", options.OverRate, options.DurationSeconds, ChatChoice.Existing, options.Drain)).Row,
                "indexing" => await WithDocument(rig, run, options, name, Guid.NewGuid(), notes),
                "grounded" => await WithDocument(rig, run, options, name, rig.Assistant, notes),
                _ => throw new ArgumentException($"Unknown phase '{name}' (cold, warm, over, indexing, grounded)."),
            });
        }

        Console.WriteLine($"Open loop: {bots} bots, {options.Rate:0.###} msg/s per bot ({bots * options.Rate:0} msg/s), {options.Chats} chats per bot, " +
            $"{options.DurationSeconds:0.#} s per phase, over-capacity rate {options.OverRate:0.###} msg/s per bot, drain deadline {options.Drain.TotalSeconds:0} s, " +
            $"injector tick {options.Tick.TotalMilliseconds:0} ms, Bot API over {(http2 ? "HTTP/2" : "HTTP/1.1")}, {(postgres is null ? "memory" : "PostgreSQL")} storage, " +
            $"{Environment.ProcessorCount} cores{(options.MuteLog ? ", silo error log muted" : "")}; {bots} bots polling after {rig.StartTime.TotalSeconds:0.0} s " +
            $"({rig.PerBotKb:0.0} KB working set, {rig.ManagedPerBotKb:0.0} KB managed per bot); {rest}");
        Console.WriteLine();
        var drain = $"{options.Drain.TotalSeconds:0}";
        Console.WriteLine($"| phase | msgs/s per bot | offered | answered ≤ load end + 5 s | answered ≤ load end + {drain} s | unanswered | replies/s during load | " +
            "update→reply p50 ms | p99 ms | max ms | silo CPU ms/reply | fake CPU ms/reply | managed KB/bot | working set KB/bot | stream events dropped | " +
            "chat actions / messages sent | 429s | injector lag p99 / max ms | other processes, cores |" + (postgres is null ? "" : " PostgreSQL CPU ms/reply |"));
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|" + (postgres is null ? "" : "---|"));
        rows.ForEach(Console.WriteLine);
        notes.ForEach(Console.WriteLine);
        run.PrintLate();
        foreach (var line in await run.Unanswered())
        {
            Console.WriteLine(line);
        }
        await rig.StopQuietly();
    }

    /// <summary>
    /// A 100-page manual (the evaluation set's text, Markdown) uploaded to <paramref name="assistant"/>: for another
    /// assistant the warm load is measured while it indexes (what indexing costs the message path); for the bots'
    /// own, once it is ready (what retrieval on every message costs).
    /// </summary>
    private static async Task<string> WithDocument(BotRig rig, Runner run, OpenLoopOptions options, string name, Guid assistant, List<string> notes)
    {
        if (assistant != rig.Assistant)
        {
            await rig.Grains.GetGrain<Assistants.IAssistantGrain>(assistant).Create(rig.Account, new Assistants.AssistantSettings(
                "Manuals", "Be brief.", "bench-model", null, "en", [], Assistants.HandoffRules.Default with { Keywords = [] }, Assistants.WidgetSettings.Default, null));
        }
        var (bytes, pages) = KnowledgeBench.Document(Knowledge.FileFormat.Markdown, KnowledgeBench.Paragraphs(KnowledgeBench.EvalFolder), 100);
        var document = rig.Grains.GetGrain<Knowledge.IDocumentGrain>(Guid.NewGuid());
        var clock = Stopwatch.StartNew();
        var upload = await document.Upload(rig.Account, assistant, "manual.md", bytes);
        if (upload.Outcome != Knowledge.UploadOutcome.Accepted)
        {
            throw new InvalidOperationException($"The benchmark's manual was refused: {upload.Outcome} {upload.Reason}");
        }
        async Task<Knowledge.KnowledgeDocument> Processed()
        {
            while (true)
            {
                var d = (await document.Get(rig.Account))!;
                if (d.Status != Knowledge.DocumentStatus.Processing || clock.Elapsed > TimeSpan.FromMinutes(15))
                {
                    return d;
                }
                await Task.Delay(200);
            }
        }
        string row;
        Knowledge.KnowledgeDocument done;
        if (name == "indexing")
        {
            row = (await run.Measure(name, options.Rate, options.DurationSeconds, ChatChoice.Existing, options.Drain)).Row;
            var measuredFor = clock.Elapsed;
            done = await Processed();
            notes.Add($"indexing: a {pages}-page Markdown manual ({bytes.Length / 1024} KB) for another assistant of the account was uploaded as the phase began; " +
                $"the load and its drain took {measuredFor.TotalSeconds:0.0} s, the document was {done.Status} after {clock.Elapsed.TotalSeconds:0.0} s " +
                $"({done.ChunksTotal} chunks, embedder {done.EmbeddingModel ?? "none"})");
        }
        else
        {
            done = await Processed();
            notes.Add($"grounded: the bots' assistant has a {pages}-page manual ({done.ChunksTotal} chunks, {done.Status} after {clock.Elapsed.TotalSeconds:0.0} s, " +
                $"embedder {done.EmbeddingModel ?? "none"}); every message of the phase is retrieved for before it is answered");
            await run.Settle();
            row = (await run.Measure(name, options.Rate, options.DurationSeconds, ChatChoice.Existing, options.Drain)).Row;
        }
        return row;
    }

    private sealed class Runner(BotRig rig, OpenLoopOptions options, bool postgres) : IDisposable
    {
        private readonly List<Phase> _phases = [];
        private readonly HttpClient _injector = new() { BaseAddress = rig.Control.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        private readonly int[] _newChats = new int[rig.Tokens.Length];
        private readonly int[] _newWarmupChats = new int[rig.Tokens.Length];
        private long _nextId = 1;
        private int _unmatched;

        private int Bots => rig.Tokens.Length;

        public void Dispose() => _injector.Dispose();

        // Chat ids: bot b's chat c. Cold chats count up from 0 (the first C of them are the warm phase's
        // chats); the warm-up's chats lie in ranges of their own, so the cold phase's chats are new.
        private static long ChatId(int bot, int chat) => 1_000_000_000L + bot * 1_000_000L + chat;

        private const int WarmupChatBase = 500_000;
        private const int WarmupNewChatBase = 600_000;

        // The warm-up's recurring chats: a quarter of the measured phases' count.
        private int WarmupChats => Math.Max(2, (options.Chats + 3) / 4);

        /// <summary>Runs one phase; returns its table row and the time the runtime spent compiling meanwhile.</summary>
        public async Task<(string Row, TimeSpan Jit)> Measure(string name, double rate, double seconds, ChatChoice chats, TimeSpan drain)
        {
            var phase = Schedule(name, rate, seconds, chats);
            _phases.Add(phase);
            var fakeBefore = await FakeStats();
            var droppedBefore = await DroppedEvents();
            var billingBefore = (Calls: await Metric("replyx_balance_grain_calls_total") ?? 0, Items: await Metric("replyx_balance_grain_call_items_total") ?? 0);
            rig.Process.Refresh();
            var cpuBefore = rig.Process.TotalProcessorTime;
            var dbCpuBefore = postgres ? BotRig.PostgresCpuMilliseconds() : 0;
            var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            var errorsBefore = rig.ErrorLogCalls;
            var machineBefore = MachineBusyMilliseconds();
            var keyBefore = await KeyStatus();
            var logBefore = rig.Log.Snapshot();
            var jitBefore = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());

            phase.StartWall = DateTime.UtcNow.Ticks;
            var clock = Stopwatch.StartNew();
            var injector = Inject(phase, clock);
            var nextReport = TimeSpan.FromSeconds(1);
            var latencies = Latencies();
            while (true)
            {
                await Collect();
                if (clock.Elapsed >= nextReport)
                {
                    var injected = Volatile.Read(ref phase.Injected);
                    var now = Latencies();
                    Console.Error.WriteLine($"{name} {clock.Elapsed.TotalSeconds,5:0.0} s: {injected} injected, {phase.Answered} answered, {injected - phase.Answered} waiting; " +
                        $"this second: sendMessage {Mean(latencies.Send, now.Send)} ms × {now.Send.Count - latencies.Send.Count}, model call {Mean(latencies.Ai, now.Ai)} ms × {now.Ai.Count - latencies.Ai.Count}; " +
                        $"thread pool {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} queued; intake paused {now.Paused - latencies.Paused} times, lag {now.Lag * 1000:0.0} ms");
                    latencies = now;
                    nextReport += TimeSpan.FromSeconds(1);
                }
                if (injector.IsCompleted)
                {
                    await injector; // its failure ends the run
                    if (phase.Answered == phase.Count || DateTime.UtcNow.Ticks > phase.LoadEndWall + drain.Ticks)
                    {
                        break;
                    }
                }
                await Task.Delay(50);
            }
            await Collect(); // what came in since the last look
            phase.Closed = true;
            rig.Process.Refresh();
            var cpu = (rig.Process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            var dbCpu = postgres ? BotRig.PostgresCpuMilliseconds() - dbCpuBefore : 0;
            var fakeAfter = await FakeStats();
            var droppedAfter = await DroppedEvents();
            // The machine is shared: CPU that neither the silo, the fakes nor PostgreSQL used was someone else's.
            var others = (MachineBusyMilliseconds() - machineBefore - cpu - (fakeAfter.Cpu - fakeBefore.Cpu) - dbCpu) / clock.Elapsed.TotalMilliseconds;
            var jit = System.Runtime.JitInfo.GetCompilationTime() - jitBefore.Item2;
            Console.Error.WriteLine($"{name}: JIT {System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore.Item1} methods in {jit.TotalMilliseconds:0} ms; GCs gen0 {GC.CollectionCount(0) - gcBefore.Item1}, gen1 {GC.CollectionCount(1) - gcBefore.Item2}, gen2 {GC.CollectionCount(2) - gcBefore.Item3}; " +
                $"{phase.Batches} injector posts (largest {phase.LargestBatch} messages; p99 {Percentile([.. phase.WakeLate.Order()], 99):0} ms late to hand out, in this process, " +
                $"p99 {Percentile([.. phase.PostTime.Order()], 99):0} ms per post, in the fake's); {phase.Duplicates} duplicate replies, {phase.WrongChat} replies in the wrong chat, {_unmatched} sent messages without a question number so far; {rig.ErrorLogCalls - errorsBefore} errors logged");
            var billingCalls = (await Metric("replyx_balance_grain_calls_total") ?? 0) - billingBefore.Calls;
            var billingItems = (await Metric("replyx_balance_grain_call_items_total") ?? 0) - billingBefore.Items;
            if (billingItems > 0)
            {
                Console.Error.WriteLine($"{name}: billing: {billingItems:0} holds and charges for {phase.Answered} replies in {billingCalls:0} balance-grain calls ({billingItems / Math.Max(1, billingCalls):0.0} a call)");
            }
            if (await KeyStatus() is { } key && keyBefore is not null)
            {
                Console.Error.WriteLine($"{name}: AI key: {key.TotalRequests - keyBefore.TotalRequests} model calls reported for {phase.Answered} replies, " +
                    $"{key.TotalFailures - keyBefore.TotalFailures} failures; now {key.Circuit}, {key.InFlight} in flight, last error: {key.LastError ?? "none"}");
            }
            foreach (var entry in rig.Log.Since(logBefore).Take(10))
            {
                Console.Error.WriteLine($"{name}: logged {entry.Times} × {entry.Level} {entry.Category}[{entry.EventId}], e.g. {entry.Sample}");
            }
            var (workingSetKb, managedKb) = rig.MemoryPerBot();
            var row = Row(phase, cpu, dbCpu, fakeBefore, fakeAfter, droppedBefore, droppedAfter, workingSetKb, managedKb, others);
            await Task.Delay(TimeSpan.FromSeconds(1)); // the chats' one-per-second reply spacing passes before the next phase
            return (row, jit);
        }

        /// <summary>
        /// Waits until the runtime has stopped recompiling (after the warm-up, tiered JIT recompiles the hot paths
        /// on background threads for several seconds, counted as process CPU), then measures the floor under
        /// "CPU ms/reply": what the silo and the fakes spend per second with every bot polling and nothing to answer.
        /// </summary>
        public async Task<string> Settle()
        {
            var clock = Stopwatch.StartNew();
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                var now = System.Runtime.JitInfo.GetCompiledMethodCount();
                if (now - compiled < 10)
                {
                    break;
                }
                compiled = now;
            }
            var settled = clock.Elapsed;
            var fakeBefore = await FakeStats();
            rig.Process.Refresh();
            var cpuBefore = rig.Process.TotalProcessorTime;
            await Task.Delay(TimeSpan.FromSeconds(2));
            rig.Process.Refresh();
            var cpu = (rig.Process.TotalProcessorTime - cpuBefore).TotalMilliseconds / 2;
            var fake = ((await FakeStats()).Cpu - fakeBefore.Cpu) / 2;
            return $"at rest (JIT settled after {settled.TotalSeconds:0} s): silo CPU {cpu:0} ms/s, fake CPU {fake:0} ms/s";
        }

        /// <summary>
        /// Where the unanswered questions stand: the dialogs holding them (a sample) are looked at twice, 15 s
        /// apart. A dialog that is not answering, has unanswered questions and stored nothing in between is stuck.
        /// </summary>
        public async Task<List<string>> Unanswered()
        {
            var lines = new List<string>();
            foreach (var phase in _phases)
            {
                var chats = Enumerable.Range(0, phase.Count).Where(i => phase.Replied[i] == 0).Select(i => (phase.Bot[i], phase.Chat[i])).Distinct().ToArray();
                if (chats.Length == 0)
                {
                    continue;
                }
                var sample = chats.Take(500).Select(c => rig.Grains.GetGrain<Dialogs.IDialogGrain>(
                    Dialogs.DialogKeys.For("telegram", rig.BotIds[c.Item1], c.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture)))).ToArray();
                var first = await Look(sample);
                await Task.Delay(TimeSpan.FromSeconds(15));
                var second = await Look(sample);
                int stuck = 0, answering = 0, moved = 0, settled = 0, other = 0;
                for (var i = 0; i < sample.Length; i++)
                {
                    var (a, b) = (first[i], second[i]);
                    if (a is null || b is null || b.Mode != Dialogs.DialogMode.Ai)
                    {
                        other++;
                    }
                    else if (b.PendingForAi == 0)
                    {
                        settled++;
                    }
                    else if (b.AiBusy)
                    {
                        answering++;
                    }
                    else if (!a.AiBusy && a.LastSeq == b.LastSeq)
                    {
                        stuck++;
                    }
                    else
                    {
                        moved++;
                    }
                }
                var key = await KeyStatus();
                var bots = await Task.WhenAll(chats.Select(c => c.Item1).Distinct().Take(500).Select(async b =>
                {
                    try
                    {
                        return await rig.Grains.GetGrain<Bots.IBotGrain>(rig.BotIds[b]).Get(rig.Account);
                    }
                    catch (Exception ex) when (ex is OrleansException or TimeoutException)
                    {
                        return null;
                    }
                }));
                lines.Add($"{phase.Name}: the {bots.Length} bots of these dialogs (up to 500) hold {bots.Sum(v => v?.QueueLength ?? 0)} messages in their outboxes (answered, not yet sent to Telegram); {bots.Count(v => v is null)} unreadable");
                lines.Add($"{phase.Name}: AI key {key?.Circuit.ToString() ?? "unreadable"}, {key?.InFlight} in flight, {key?.TotalRequests} model calls reported in all, {key?.TotalFailures} failures, last error: {key?.LastError ?? "none"}");
                lines.Add($"{phase.Name}: {phase.Replied.Count(r => r == 0)} questions without a reply when the phase closed, in {chats.Length} dialogs; at the end of the run, of {sample.Length} looked at twice 15 s apart: " +
                    $"{stuck} stuck (not answering, questions pending, nothing stored in between), {answering} answering, {moved} progressing, " +
                    $"{settled} with every question answered by the dialog (the reply not at the fake yet, or it came after the deadline), {other} not in AI mode or unreadable");
            }
            return lines;
        }

        private async Task<Ai.AiTokenStatus?> KeyStatus()
        {
            try
            {
                return await rig.Grains.GetGrain<Ai.IAiTokenGrain>(rig.AiKey).GetStatus();
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                return null;
            }
        }

        private async Task<Dialogs.DialogSnapshot?[]> Look(Dialogs.IDialogGrain[] dialogs)
        {
            var gate = new SemaphoreSlim(32);
            return await Task.WhenAll(dialogs.Select(async d =>
            {
                await gate.WaitAsync();
                try
                {
                    return await d.Get(rig.Account);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    return null;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        public void PrintLate()
        {
            foreach (var phase in _phases.Where(p => p.Late > 0))
            {
                Console.Error.WriteLine($"{phase.Name}: {phase.Late} replies arrived after the phase was closed (counted as unanswered there)");
            }
        }

        private Phase Schedule(string name, double rate, double seconds, ChatChoice chats)
        {
            var perBot = (int)Math.Round(rate * seconds);
            if (perBot < 1)
            {
                throw new ArgumentException($"Phase {name}: {rate} msg/s for {seconds} s gives no message per bot.");
            }
            var phase = new Phase(name, rate, chats, _nextId, perBot * Bots);
            _nextId += phase.Count;
            // Bot b's k-th message at (k + b / N) / R: in time order when k is the outer loop.
            var i = 0;
            for (var k = 0; k < perBot; k++)
            {
                for (var b = 0; b < Bots; b++, i++)
                {
                    phase.Offset[i] = (long)((k + (double)b / Bots) / rate * TimeSpan.TicksPerSecond);
                    phase.Bot[i] = b;
                    phase.Chat[i] = chats switch
                    {
                        ChatChoice.New => ChatId(b, _newChats[b]++),
                        ChatChoice.Existing => ChatId(b, k % options.Chats),
                        // Every other warm-up message opens a chat, so each round runs both the new and the existing dialog's path.
                        _ => k % 2 == 0 ? ChatId(b, WarmupChatBase + k / 2 % WarmupChats) : ChatId(b, WarmupNewChatBase + _newWarmupChats[b]++),
                    };
                }
            }
            return phase;
        }

        /// <summary>
        /// Hands out, tick by tick, every message whose instant has come, and catches up at once when late. It
        /// runs on threads of its own with blocking calls (the silo shares this process, and an injector waiting
        /// in the saturated thread pool's queue would fall behind exactly when the silo is overloaded), and posts
        /// from several threads, so one slow answer from the fake does not hold back the messages due after it.
        /// </summary>
        private Task Inject(Phase phase, Stopwatch clock)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var batches = new System.Collections.Concurrent.BlockingCollection<(int From, int To)>(boundedCapacity: 1);
            Exception? failure = null;
            var posters = Enumerable.Range(0, Posters).Select(i => new Thread(() =>
            {
                try
                {
                    foreach (var (from, to) in batches.GetConsumingEnumerable())
                    {
                        Post(phase, from, to);
                    }
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                    batches.CompleteAdding(); // the scheduler stops at its next batch
                }
            }) { IsBackground = true, Name = $"open-loop poster {i}" }).ToArray();
            var scheduler = new Thread(() =>
            {
                try
                {
                    Schedule(phase, clock, batches, () => failure is not null);
                }
                catch (Exception ex)
                {
                    Interlocked.CompareExchange(ref failure, ex, null);
                }
                batches.CompleteAdding();
                foreach (var poster in posters)
                {
                    poster.Join();
                }
                if (failure is not null)
                {
                    done.SetException(failure);
                    return;
                }
                phase.LoadEndWall = phase.Written.Max();
                done.SetResult();
            }) { IsBackground = true, Name = "open-loop scheduler" };
            foreach (var poster in posters)
            {
                poster.Start();
            }
            scheduler.Start();
            // The collection is disposed when the threads are done with it, not when this method returns.
            return done.Task.ContinueWith(t => { batches.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
        }

        private const int Posters = 4;

        private void Schedule(Phase phase, Stopwatch clock, System.Collections.Concurrent.BlockingCollection<(int From, int To)> batches, Func<bool> failed)
        {
            var tick = options.Tick.Ticks;
            var lastBatch = long.MinValue / 2;
            var next = 0;
            while (next < phase.Count && !failed())
            {
                var now = clock.Elapsed.Ticks;
                var due = phase.Offset[next];
                if (due > now)
                {
                    Thread.Sleep(TimeSpan.FromTicks(Math.Max(due, lastBatch + tick) - now));
                    continue;
                }
                var end = next;
                while (end < phase.Count && phase.Offset[end] <= now)
                {
                    end++;
                }
                lastBatch = now;
                phase.Batches++;
                phase.LargestBatch = Math.Max(phase.LargestBatch, end - next);
                phase.WakeLate.Add((now - phase.Offset[next]) / (double)TimeSpan.TicksPerMillisecond);
                batches.Add((next, end)); // waits while every poster is busy; what falls due meanwhile goes in the next batch
                next = end;
            }
        }

        private void Post(Phase phase, int from, int to)
        {
            var body = new StringBuilder();
            for (var i = from; i < to; i++)
            {
                body.Append(rig.Tokens[phase.Bot[i]]).Append('\t').Append(phase.Chat[i]).Append('\t').Append(QuestionPrefix).Append(phase.FirstId + i).Append('\n');
            }
            var posted = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/inject") { Content = new StringContent(body.ToString()) };
            using var response = _injector.Send(request);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(response.Content.ReadAsStream());
            for (var i = from; i < to; i++)
            {
                phase.Written[i] = long.Parse(reader.ReadLine() ?? throw new InvalidOperationException($"The fake queued {i - from} of {to - from} messages."));
            }
            lock (phase.PostTime)
            {
                phase.PostTime.Add(Stopwatch.GetElapsedTime(posted).TotalMilliseconds);
            }
            Interlocked.Add(ref phase.Injected, to - from);
        }

        /// <summary>Drains the replies the fake received and matches each to its question by the echoed number.</summary>
        private async Task Collect()
        {
            foreach (var line in (await rig.Control.GetStringAsync("/replies")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Split('\t', 4);
                var hash = parts[3].LastIndexOf('#');
                var digits = hash < 0 ? 0 : parts[3].AsSpan(hash + 1).IndexOfAnyExceptInRange('0', '9');
                if (hash < 0 || !long.TryParse(digits < 0 ? parts[3].AsSpan(hash + 1) : parts[3].AsSpan(hash + 1, digits), out var id)
                    || _phases.FirstOrDefault(p => p.Holds(id)) is not { } phase)
                {
                    _unmatched++;
                    continue;
                }
                var i = (int)(id - phase.FirstId);
                if (rig.TokenIndex[parts[0]] != phase.Bot[i] || long.Parse(parts[1]) != phase.Chat[i])
                {
                    phase.WrongChat++;
                    continue;
                }
                if (phase.Replied[i] != 0)
                {
                    phase.Duplicates++;
                    continue;
                }
                if (phase.Closed)
                {
                    phase.Late++; // not counted as answered: the phase's figures are final
                    continue;
                }
                phase.Replied[i] = long.Parse(parts[2]);
                phase.Answered++;
            }
        }

        private async Task<(int Flood, double Cpu, int ChatActions, long Sent)> FakeStats()
        {
            var stats = (await rig.Control.GetStringAsync("/stats")).Split('\t');
            return (int.Parse(stats[0]), double.Parse(stats[1]), int.Parse(stats[2]), long.Parse(stats[3]));
        }

        // The same instances the silo updates: prometheus-net returns an existing metric for the same name and labels.
        // Read one by one, not by exporting the registry: a full export every second runs every observable instrument
        // of Orleans and the runtime and would be counted as the silo's CPU, where Prometheus scrapes every 15-60 s.
        private static readonly Prometheus.Histogram SendSeconds = Prometheus.Metrics.CreateHistogram("replyx_bot_send_seconds", "",
            new Prometheus.HistogramConfiguration { Buckets = Prometheus.Histogram.ExponentialBuckets(0.002, 2, 12) });
        private static readonly Prometheus.Histogram AiSeconds = Prometheus.Metrics.CreateHistogram("replyx_ai_latency_seconds", "",
            new Prometheus.HistogramConfiguration { LabelNames = ["provider"], Buckets = Prometheus.Histogram.ExponentialBuckets(0.005, 2, 14) });
        private static readonly Prometheus.Counter IntakePaused = Prometheus.Metrics.CreateCounter("replyx_intake_paused_total", "");
        private static readonly Prometheus.Gauge IntakeLag = Prometheus.Metrics.CreateGauge("replyx_intake_lag_seconds", "");

        /// <summary>Sum and count of the silo's sendMessage and model-call latency histograms (all series), and the intake gate's state.</summary>
        private static ((double Sum, double Count) Send, (double Sum, double Count) Ai, double Paused, double Lag) Latencies()
        {
            double aiSum = 0, aiCount = 0;
            foreach (var labels in AiSeconds.GetAllLabelValues())
            {
                var series = AiSeconds.WithLabels(labels);
                aiSum += series.Sum;
                aiCount += series.Count;
            }
            return ((SendSeconds.Sum, SendSeconds.Count), (aiSum, aiCount), IntakePaused.Value, IntakeLag.Value);
        }

        private static string Mean((double Sum, double Count) before, (double Sum, double Count) after) =>
            after.Count > before.Count ? ((after.Sum - before.Sum) / (after.Count - before.Count) * 1000).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";

        /// <summary>The dialog grains' dropped-event counter, read from prometheus-net's registry (the silo runs in this process).</summary>
        private static Task<double?> DroppedEvents() => Metric(DroppedEventsMetric);

        /// <summary>A counter's value summed over its labels, from prometheus-net's registry; null when not registered yet.</summary>
        private static async Task<double?> Metric(string name)
        {
            using var text = new MemoryStream();
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(text);
            using var reader = new StringReader(Encoding.UTF8.GetString(text.ToArray()));
            double? sum = null;
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
                {
                    sum = (sum ?? 0) + double.Parse(line.AsSpan(line.LastIndexOf(' ') + 1), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            return sum; // null: not registered (yet), e.g. no dialog grain has been used
        }

        private string Row(Phase p, double cpu, double dbCpu, (int Flood, double Cpu, int ChatActions, long Sent) before, (int Flood, double Cpu, int ChatActions, long Sent) after,
            double? droppedBefore, double? droppedAfter, double workingSetKb, double managedKb, double others)
        {
            var soon = p.LoadEndWall + TimeSpan.TicksPerSecond * 5;
            var deadline = p.LoadEndWall + options.Drain.Ticks;
            var answeredSoon = 0;
            var answered = 0;
            var duringLoad = 0;
            var latencies = new double[p.Count];
            for (var i = 0; i < p.Count; i++)
            {
                if (p.Replied[i] == 0 || p.Replied[i] > deadline)
                {
                    latencies[i] = double.PositiveInfinity; // unanswered: worse than any answer
                    continue;
                }
                latencies[i] = (p.Replied[i] - p.Written[i]) / (double)TimeSpan.TicksPerMillisecond;
                answered++;
                answeredSoon += p.Replied[i] <= soon ? 1 : 0;
                duringLoad += p.Replied[i] <= p.LoadEndWall ? 1 : 0;
            }
            Array.Sort(latencies);
            var lags = p.Written.Select((w, i) => (w - p.StartWall - p.Offset[i]) / (double)TimeSpan.TicksPerMillisecond).ToArray();
            Array.Sort(lags);
            var loadSeconds = (p.LoadEndWall - p.StartWall) / (double)TimeSpan.TicksPerSecond;
            var replies = Math.Max(1, answered);
            var dropped = droppedAfter is { } a ? $"{a - (droppedBefore ?? 0):0}" : "n/a";
            return $"| {p.Name}{(p.Chats == ChatChoice.New ? " (new chats)" : "")} | {p.Rate:0.###} | {p.Count} | {answeredSoon} | {answered} | {p.Count - answered} | " +
                $"{duringLoad / loadSeconds:0} | {Ms(Percentile(latencies, 50))} | {Ms(Percentile(latencies, 99))} | {Ms(latencies[^1])} | " +
                $"{cpu / replies:0.000} | {(after.Cpu - before.Cpu) / replies:0.000} | {managedKb:0.0} | {workingSetKb:0.0} | {dropped} | " +
                $"{after.ChatActions - before.ChatActions} / {after.Sent - before.Sent} | {after.Flood - before.Flood} | " +
                $"{Percentile(lags, 99):0.0} / {lags[^1]:0.0} | {Math.Max(0, others):0.00} |" + (postgres ? $" {dbCpu / replies:0.000} |" : "");
        }

        /// <summary>Busy CPU time of the whole machine (all cores, /proc/stat), in milliseconds.</summary>
        private static double MachineBusyMilliseconds()
        {
            // cpu  user nice system idle iowait irq softirq steal ...
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var busy = new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => double.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture));
            return busy * 10; // 100 ticks per second
        }

        private static double Percentile(double[] sorted, int percentile) =>
            sorted[Math.Clamp((int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];

        private string Ms(double value) => double.IsPositiveInfinity(value) ? $"> {options.Drain.TotalSeconds:0} s" : $"{value:0}";
    }
}
