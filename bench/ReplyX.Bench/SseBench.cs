using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Fakes;

namespace ReplyX.Bench;

/// <summary>
/// Live widget streams at scale (<c>--sse</c>): the embedded default runs as its own process (the built
/// src/Silo, Production environment), this process opens N widget event streams (one visitor per dialog)
/// and, open loop, posts operator messages at a fixed rate spread over the dialogs. Each message carries its
/// send time; delivery latency is send → read by the visitor's stream (same machine clock). Memory per
/// connection is the silo's resident set after the streams opened minus before, divided by N. Then it tries
/// more streams than the node's cap and checks the node stays healthy.
/// </summary>
public static class SseBench
{
    private const string Origin = "http://bench.example";

    public static async Task Run(int connections, double rate, double seconds, int cap, int over)
    {
        var root = Root();
        var silo = Path.Combine(root, "src", "Silo", "bin", "Release", "net10.0", "ReplyX.Silo.dll");
        var port = FreePorts.Next();
        var start = new ProcessStartInfo("dotnet", $"\"{silo}\"")
        {
            WorkingDirectory = Path.GetDirectoryName(silo)!,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_GCgen0size"] = "0x8000000",
            ["Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
            ["EventStreams__MaxConnections"] = cap.ToString(CultureInfo.InvariantCulture),
            ["Widget__SessionsPerMinute"] = "100000000",
            ["Widget__RequestsPerMinute"] = "100000000",
            ["RateLimits__UserPerMinute"] = "100000000",
        };
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.Ordinal)) Console.Error.WriteLine("silo: " + line); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var baseUri = new Uri($"http://127.0.0.1:{port}");
            using var control = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
            await WaitHealthy(control);
            var owner = await (await control.PostAsJsonAsync("/api/auth/register",
                new { email = $"bench.{Guid.NewGuid():N}@example.com", password = "bench password 1234", name = "Bench" })).Content.ReadFromJsonAsync<JsonElement>();
            var token = owner.GetProperty("accessToken").GetString()!;
            control.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var assistant = await (await control.PostAsJsonAsync("/api/assistants",
                new { name = "Bench", systemPrompt = "x", widget = new { allowedOrigins = new[] { Origin } } })).Content.ReadFromJsonAsync<JsonElement>();
            var assistantId = assistant.GetProperty("id").GetGuid();

            Console.Error.WriteLine($"opening {connections} widget sessions");
            var sessions = new (Guid Dialog, string Token)[connections];
            await Parallel.ForAsync(0, connections, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            {
                var request = new HttpRequestMessage(HttpMethod.Post, $"/api/widget/{assistantId}/sessions") { Content = JsonContent.Create(new { }) };
                request.Headers.Add("Origin", Origin);
                var body = await (await control.SendAsync(request, ct)).Content.ReadFromJsonAsync<JsonElement>(ct);
                sessions[i] = (body.GetProperty("dialogId").GetGuid(), body.GetProperty("sessionToken").GetString()!);
            });
            // Every dialog gets its first operator message (the takeover) before the streams open.
            await Parallel.ForAsync(0, connections, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
                (await control.PostAsJsonAsync($"/api/dialogs/{sessions[i].Dialog}/messages", new { text = "warm-up" }, ct)).EnsureSuccessStatusCode());
            GC.Collect();
            await Task.Delay(2000);
            var rssBefore = Rss(process.Id);

            var received = new ConcurrentDictionary<long, double>();
            var duplicates = 0;
            var streams = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, ConnectTimeout = TimeSpan.FromSeconds(30) };
            using var visitors = new HttpClient(streams) { BaseAddress = baseUri, Timeout = Timeout.InfiniteTimeSpan };
            using var stop = new CancellationTokenSource();
            var ready = 0;
            var refused = 0;
            var readers = new List<Task>(connections);
            Console.Error.WriteLine($"opening {connections} event streams");
            var opening = Stopwatch.StartNew();
            for (var i = 0; i < connections; i++)
            {
                var (dialog, session) = sessions[i];
                readers.Add(Read(visitors, dialog, session, received, () => Interlocked.Increment(ref ready), () => Interlocked.Increment(ref refused),
                    () => Interlocked.Increment(ref duplicates), stop.Token));
                if (i % 500 == 499)
                {
                    await Task.Delay(50); // open at a steady pace, not as one SYN flood
                }
            }
            while (Volatile.Read(ref ready) + Volatile.Read(ref refused) < connections && opening.Elapsed < TimeSpan.FromMinutes(3))
            {
                await Task.Delay(100);
            }
            var openedIn = opening.Elapsed;
            await Task.Delay(2000);
            var rssOpen = Rss(process.Id);
            Console.Error.WriteLine($"{ready} streams ready in {openedIn.TotalSeconds:0.0} s, {refused} refused");

            // Open loop: messages at their instants whether or not the node keeps up.
            var sent = new ConcurrentDictionary<long, long>();
            var failed = 0;
            var total = (int)(rate * seconds);
            var cpuBefore = Cpu(process.Id);
            var clock = Stopwatch.StartNew();
            var posts = new List<Task>(total);
            var random = new Random(7);
            for (var n = 0; n < total; n++)
            {
                var due = TimeSpan.FromSeconds(n / rate);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait);
                }
                var id = n + 1L;
                var dialog = sessions[random.Next(connections)].Dialog;
                posts.Add(Post(control, dialog, id, sent, () => Interlocked.Increment(ref failed)));
            }
            var loadTime = clock.Elapsed;
            await Task.WhenAll(posts);
            var drainUntil = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (received.Count < sent.Count && DateTime.UtcNow < drainUntil)
            {
                await Task.Delay(100);
            }
            var cpu = Cpu(process.Id) - cpuBefore;
            var latencies = received.Values.OrderBy(v => v).ToArray();

            // Past the cap: more streams than the node takes get 503 and the node stays healthy.
            var extraRefused = 0;
            var extraAccepted = 0;
            var extra = new List<Task>();
            for (var i = 0; i < over; i++)
            {
                var (dialog, session) = sessions[i % connections];
                extra.Add(Task.Run(async () =>
                {
                    using var response = await visitors.GetAsync($"/api/widget/dialogs/{dialog}/events?token={Uri.EscapeDataString(session)}", HttpCompletionOption.ResponseHeadersRead);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref extraRefused);
                    }
                    else
                    {
                        Interlocked.Increment(ref extraAccepted);
                    }
                }));
            }
            await Task.WhenAll(extra);
            var health = (await control.GetAsync("/health")).StatusCode;

            Console.WriteLine($"| streams | opened in s | silo RSS KB per stream | messages/s | sent | delivered | not delivered | duplicates | p50 ms | p99 ms | max ms | silo CPU ms/message | over the cap ({over}): refused / accepted | /health after |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {ready} | {openedIn.TotalSeconds:0.0} | {(rssOpen - rssBefore) / (double)Math.Max(1, ready):0.0} | {total / loadTime.TotalSeconds:0} | {sent.Count} | {received.Count} | {sent.Count - received.Count} | {duplicates} | {P(latencies, 50):0.0} | {P(latencies, 99):0.0} | {(latencies.Length > 0 ? latencies[^1] : double.NaN):0.0} | {cpu.TotalMilliseconds / Math.Max(1, sent.Count):0.000} | {extraRefused} / {extraAccepted} | {(int)health} |"));
            Console.Error.WriteLine($"failed posts: {failed}; silo RSS {rssBefore / 1024} MB before the streams, {rssOpen / 1024} MB with them");
            await stop.CancelAsync();
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
    }

    private static async Task Post(HttpClient control, Guid dialog, long id, ConcurrentDictionary<long, long> sent, Action failed)
    {
        var at = Stopwatch.GetTimestamp();
        try
        {
            using var response = await control.PostAsJsonAsync($"/api/dialogs/{dialog}/messages", new { text = string.Create(CultureInfo.InvariantCulture, $"bench {id} {at}") });
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                sent[id] = at;
            }
            else
            {
                failed();
            }
        }
        catch (HttpRequestException)
        {
            failed();
        }
    }

    private static async Task Read(HttpClient visitors, Guid dialog, string session, ConcurrentDictionary<long, double> received, Action ready, Action refused,
        Action duplicate, CancellationToken stop)
    {
        try
        {
            using var response = await visitors.GetAsync($"/api/widget/dialogs/{dialog}/events?token={Uri.EscapeDataString(session)}", HttpCompletionOption.ResponseHeadersRead, stop);
            if (!response.IsSuccessStatusCode)
            {
                refused();
                return;
            }
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop));
            string? type = null;
            while (await reader.ReadLineAsync(stop) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    if (type == "ready")
                    {
                        ready();
                    }
                    else if (type == "message")
                    {
                        var text = JsonDocument.Parse(line[6..]).RootElement.GetProperty("text").GetString()!;
                        var parts = text.Split(' ');
                        if (parts.Length == 3 && parts[0] == "bench")
                        {
                            var ms = Stopwatch.GetElapsedTime(long.Parse(parts[2], CultureInfo.InvariantCulture)).TotalMilliseconds;
                            if (!received.TryAdd(long.Parse(parts[1], CultureInfo.InvariantCulture), ms))
                            {
                                duplicate();
                            }
                        }
                    }
                }
                else if (line.Length == 0)
                {
                    type = null;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
        catch (HttpRequestException)
        {
            refused();
        }
        catch (IOException)
        {
            // the silo went away at the end of the run
        }
    }

    private static async Task WaitHealthy(HttpClient http)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("The silo was not healthy within 60 s.");
    }

    /// <summary>Resident set of a process in KB.</summary>
    private static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture);

    private static TimeSpan Cpu(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    private static double P(double[] sorted, int percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ReplyX.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ReplyX.sln not found above " + AppContext.BaseDirectory);
    }
}
