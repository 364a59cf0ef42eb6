using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReplyX.Fakes;

namespace ReplyX.Bench;

/// <summary>
/// The fake Bot API and fake model in a process of their own, so the benchmark measures the silo's CPU and
/// file descriptors alone. A small control API lets the benchmark add bots, write as users and read what
/// was sent.
/// </summary>
public static class FakeHost
{
    public const string ReadyPrefix = "FAKES ";

    public static async Task Run(bool http2)
    {
        await using var telegram = await FakeTelegram.StartAsync(http2);
        await using var ai = await FakeOpenAi.StartAsync();
        var tokens = new List<string>();
        long drained = 0; // sent messages handed to the benchmark so far
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var control = builder.Build();
        control.MapPost("/bots", (int count) =>
        {
            lock (tokens)
            {
                var added = Enumerable.Range(0, count).Select(i => telegram.AddBot($"bench_{tokens.Count + i}_bot")).ToArray();
                tokens.AddRange(added);
                return string.Join('\n', added);
            }
        });
        // One line per message: token, chat id, text (tab-separated).
        control.MapPost("/write", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var count = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                var parts = line.Split('\t', 3);
                telegram.UserWrites(parts[0], long.Parse(parts[1]), parts[2]);
                count++;
            }
            return count;
        });
        // The open loop's injector: one line per message as for /write; answers one line per message with the
        // instant (UTC ticks, this process's clock) its update became available to getUpdates.
        control.MapPost("/inject", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            var queued = new StringBuilder();
            while (await reader.ReadLineAsync() is { } line)
            {
                var parts = line.Split('\t', 3);
                var at = DateTime.UtcNow.Ticks;
                telegram.UserWrites(parts[0], long.Parse(parts[1]), parts[2]);
                queued.Append(at).Append('\n');
            }
            return queued.ToString();
        });
        // Drains what the bots sent: token, chat id, unix milliseconds.
        control.MapGet("/sent", () =>
        {
            var text = new StringBuilder();
            while (telegram.Sent.TryDequeue(out var sent))
            {
                Interlocked.Increment(ref drained);
                text.Append(sent.Token).Append('\t').Append(sent.ChatId).Append('\t').Append(sent.At.ToUnixTimeMilliseconds()).Append('\n');
            }
            return text.ToString();
        });
        // The same with the instant in UTC ticks and the text (tabs and line breaks as spaces), for the open loop.
        control.MapGet("/replies", () =>
        {
            var text = new StringBuilder();
            while (telegram.Sent.TryDequeue(out var sent))
            {
                Interlocked.Increment(ref drained);
                text.Append(sent.Token).Append('\t').Append(sent.ChatId).Append('\t').Append(sent.At.UtcTicks).Append('\t')
                    .Append(sent.Text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ')).Append('\n');
            }
            return text.ToString();
        });
        control.MapGet("/ready", () =>
        {
            lock (tokens)
            {
                return tokens.Count(t => telegram.Polls(t) > 0 || telegram.WebhookOf(t).Url is not null);
            }
        });
        control.MapGet("/stats", () =>
        {
            var process = Process.GetCurrentProcess();
            // 429s answered, CPU ms of this process, sendChatAction calls, sendMessage calls accepted.
            return $"{telegram.RateLimited}\t{process.TotalProcessorTime.TotalMilliseconds:0}\t{telegram.ChatActions.Count}\t{Interlocked.Read(ref drained) + telegram.Sent.Count}";
        });
        await control.StartAsync();
        var address = control.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine($"{ReadyPrefix}{telegram.BaseUrl} {ai.BaseUrl} {address.TrimEnd('/')}");
        // Lives until the benchmark closes its standard input.
        await Console.In.ReadToEndAsync();
        await control.StopAsync();
    }
}
