using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using ReplyX.Api.Dialogs;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>
/// A dialog stream whose live events are dropped (a buffer of one event per client, and a burst of messages)
/// still shows every message once, in order: the gap is read back from the store.
/// </summary>
public sealed class EventStreamTests : IAsyncLifetime
{
    private const string Shop = "https://shop.example.com";
    private ReplyXAppFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ReplyXAppFactory(new Dictionary<string, string?>
        {
            ["RateLimits:AuthPerMinute"] = "1000",
            ["RateLimits:UserPerMinute"] = "100000",
            ["EventStreams:BufferPerConnection"] = "1",
            ["EventStreams:PingInterval"] = "00:00:00.300",
        });
        _client = _factory.CreateClient(new() { HandleCookies = false });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task A_burst_that_overflows_the_live_buffer_arrives_complete_in_order_without_duplicates()
    {
        var owner = await _client.RegisterOwner("drop");
        var assistantId = (await (await _client.SendAs(HttpMethod.Post, "/api/assistants", owner,
            new { name = "Drops", systemPrompt = "x", widget = new { allowedOrigins = new[] { Shop } } })).JsonBody()).GetProperty("id").GetGuid();
        var open = new HttpRequestMessage(HttpMethod.Post, $"/api/widget/{assistantId}/sessions") { Content = JsonContent.Create(new { }) };
        open.Headers.Add("Origin", Shop);
        var dialogId = (await (await _client.SendAsync(open)).JsonBody()).GetProperty("dialogId").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await _client.SendAs(HttpMethod.Post, $"/api/dialogs/{dialogId}/takeover", owner)).StatusCode);
        var connections = _factory.Services.GetRequiredService<EventStreamConnections>();
        var gapsBefore = connections.GapFillCount;

        var (stream, _) = await SseClient.Open(_client, $"/api/dialogs/{dialogId}/events", owner);
        await using (stream!)
        {
            Assert.Equal("ready", (await stream!.Next()).Type);
            // Whether the one-event live buffer overflows depends on how the writer and the stream's deliveries
            // interleave on this machine: bursts are repeated (at most five) until one did, and every burst must
            // arrive complete, in order, without duplicates, whether it overflowed or not.
            const int burst = 200;
            var next = 1L;
            for (var round = 0; round < 5 && connections.GapFillCount == gapsBefore; round++)
            {
                var first = next;
                await Task.WhenAll(Enumerable.Range(0, burst).Select(i =>
                    _client.SendAs(HttpMethod.Post, $"/api/dialogs/{dialogId}/messages", owner, new { text = $"m{first + i}" })));
                var seqs = new List<long>();
                while (seqs.Count < burst)
                {
                    seqs.Add(long.Parse((await stream.NextOf("message")).Id!));
                }
                Assert.Equal(Enumerable.Range(0, burst).Select(i => first + i), seqs);
                next += burst;
            }
        }
        Assert.True(connections.GapFillCount > gapsBefore, "no live event was dropped, so this run did not test the gap fill");
    }

    [Fact]
    public async Task An_idle_stream_gets_a_ping_comment_every_interval()
    {
        var owner = await _client.RegisterOwner("ping");
        var (stream, _) = await SseClient.Open(_client, "/api/events", owner);
        await using (stream!)
        {
            Assert.Equal("ready", (await stream!.Next()).Type);
            for (var i = 0; i < 3; i++)
            {
                await stream.NextPing(TimeSpan.FromSeconds(5)); // every 0.3 s here (15 s by default)
            }
        }
    }
}
