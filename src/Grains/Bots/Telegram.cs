using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace ReplyX.Bots;

public sealed class TelegramOptions
{
    public const string Section = "Telegram";

    /// <summary>The Bot API base URL: Telegram's, a local Bot API server, or a fake in tests.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>This deployment's public https URL; when set, bots use webhooks at {PublicUrl}/telegram/{botId}, otherwise long polling.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Long-poll timeout sent to getUpdates; the HTTP timeout is longer, so a quiet bot is not an error.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Spacing of messages to one private chat (Telegram: about one per second).</summary>
    public TimeSpan PrivateChatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Spacing of messages to one group (Telegram: 20 per minute).</summary>
    public TimeSpan GroupChatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Messages one bot may send per second (Telegram: about 30).</summary>
    public int PerBotPerSecond { get; set; } = 30;

    /// <summary>How often a reminder checks that every enabled bot runs (and re-sends anything undelivered).</summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Per-bot series in /metrics (label <c>bot</c>) besides the silo totals.</summary>
    public bool PerBotMetrics { get; set; } = true;

    /// <summary>HTTP connections to the Bot API: each polling bot holds one during its long poll.</summary>
    public int MaxConnections { get; set; } = 20_000;
}

/// <summary>Telegram.Bot clients per token over one shared HttpClient; the library's own 429 retries are off.</summary>
public sealed class TelegramClients(IOptions<TelegramOptions> options)
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), MaxConnectionsPerServer = options.Value.MaxConnections })
    {
        Timeout = options.Value.PollTimeout + TimeSpan.FromSeconds(15),
    };
    private readonly ConcurrentDictionary<string, TelegramBotClient> _clients = new();

    public TelegramBotClient For(string token) => _clients.GetOrAdd(token, t =>
        new TelegramBotClient(new TelegramBotClientOptions(t, options.Value.ApiBaseUrl) { RetryCount = 0 }, _http));

    public void Forget(string token) => _clients.TryRemove(token, out _);
}

public static class TelegramText
{
    public const int MaxLength = 4096;

    /// <summary>Splits a long answer at paragraph, line, sentence or word boundaries into Telegram-sized parts.</summary>
    public static IReadOnlyList<string> Split(string text, int max = MaxLength)
    {
        var parts = new List<string>();
        var rest = text.Trim();
        while (rest.Length > max)
        {
            var window = rest[..max];
            var cut = LastBoundary(window, "\n\n") ?? LastBoundary(window, "\n") ?? LastSentence(window) ?? LastBoundary(window, " ") ?? max;
            parts.Add(rest[..cut].TrimEnd());
            rest = rest[cut..].TrimStart();
        }
        if (rest.Length > 0)
        {
            parts.Add(rest);
        }
        return parts;
    }

    private static int? LastBoundary(string window, string separator)
    {
        var i = window.LastIndexOf(separator, StringComparison.Ordinal);
        return i > window.Length / 2 ? i + separator.Length : null;
    }

    private static int? LastSentence(string window)
    {
        for (var i = window.Length - 2; i > window.Length / 2; i--)
        {
            if (window[i] is '.' or '!' or '?' or '…' && char.IsWhiteSpace(window[i + 1]))
            {
                return i + 1;
            }
        }
        return null;
    }
}
