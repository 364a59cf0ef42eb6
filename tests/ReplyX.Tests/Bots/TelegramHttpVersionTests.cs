using Microsoft.Extensions.Options;
using ReplyX.Bots;
using ReplyX.Fakes;
using Telegram.Bot;

namespace ReplyX.Tests.Bots;

/// <summary>The Bot API clients over HTTP/2 (every long poll shares a connection) and HTTP/1.1, through the real Telegram.Bot client.</summary>
public sealed class TelegramHttpVersionTests
{
    [Theory]
    [InlineData(true, TelegramHttpVersion.Http2, "HTTP/2")]
    [InlineData(false, TelegramHttpVersion.Auto, "HTTP/1.1")] // plain http: a local Bot API server speaks only HTTP/1.1
    [InlineData(false, TelegramHttpVersion.Http11, "HTTP/1.1")]
    public async Task Polls_and_calls_use_the_configured_http_version(bool http2Server, TelegramHttpVersion version, string expected)
    {
        await using var telegram = await FakeTelegram.StartAsync(http2Server);
        var clients = new TelegramClients(Options.Create(new TelegramOptions { ApiBaseUrl = telegram.BaseUrl, HttpVersion = version, PollTimeout = TimeSpan.FromSeconds(2) }));
        var tokens = Enumerable.Range(0, 20).Select(i => telegram.AddBot($"h2_{i}_bot")).ToArray();

        // Twenty bots long-poll at once while one user writes to each.
        var polls = tokens.Select(t => clients.Poller(t).GetUpdates(0, 100, 2)).ToArray();
        for (var i = 0; i < tokens.Length; i++)
        {
            telegram.UserWrites(tokens[i], 100 + i, $"hello {i}");
        }
        var updates = await Task.WhenAll(polls);
        for (var i = 0; i < tokens.Length; i++)
        {
            var update = Assert.Single(updates[i]);
            Assert.Equal($"hello {i}", update.Message!.Text);
            await clients.For(tokens[i]).SendMessage(update.Message.Chat.Id, $"answer {i}");
        }

        Assert.Equal(tokens.Length, telegram.Sent.Count);
        Assert.Equal([expected], telegram.Protocols.Keys);
    }
}
