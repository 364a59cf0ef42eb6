using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Telegram.Bot;

namespace ReplyX.Bots;

/// <summary>
/// Telegram.Bot clients per token over two shared HttpClients, one for long polls and one for calls, so that
/// polls never wait behind replies and a burst of replies cannot exhaust file descriptors. The library's own
/// 429 retries are off: the bot's outbox is in charge of pacing.
/// </summary>
public sealed class TelegramClients(IOptions<TelegramOptions> options)
{
    private readonly HttpClient _calls = new(Handler(options.Value, options.Value.MaxCallConnections))
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly HttpClient _polls = new(Handler(options.Value, options.Value.MaxPollConnections))
    {
        Timeout = options.Value.PollTimeout + TimeSpan.FromSeconds(15),
    };
    private readonly HttpClient _actions = new(Handler(options.Value, options.Value.MaxActionConnections))
    {
        Timeout = TimeSpan.FromSeconds(10),
    };
    private readonly ConcurrentDictionary<string, TelegramBotClient> _clients = new();
    private readonly ConcurrentDictionary<string, TelegramBotClient> _pollers = new();
    private readonly ConcurrentDictionary<string, TelegramBotClient> _actors = new();

    /// <summary>The client for calls other than getUpdates.</summary>
    public TelegramBotClient For(string token) => _clients.GetOrAdd(token, t => Create(t, _calls));

    /// <summary>The client for getUpdates long polls.</summary>
    public TelegramBotClient Poller(string token) => _pollers.GetOrAdd(token, t => Create(t, _polls));

    /// <summary>Asks Telegram who the token belongs to; a refusal comes back as the connect result to return.</summary>
    public async Task<(Telegram.Bot.Types.User Me, ConnectResult? Refused)> CheckToken(string token)
    {
        try
        {
            return (await For(token).GetMe(), null);
        }
        catch (Telegram.Bot.Exceptions.ApiRequestException ex) when (ex.ErrorCode is 401 or 404)
        {
            Forget(token);
            return (null!, new ConnectResult(null, ConnectError.TokenRejected, "Telegram rejected this token."));
        }
        catch (Telegram.Bot.Exceptions.RequestException ex)
        {
            Forget(token);
            return (null!, new ConnectResult(null, ConnectError.TelegramUnreachable, "Telegram is unreachable: " + Hosting.Errors.Describe(ex)));
        }
    }

    /// <summary>The client for chat actions ("typing…"), over a pool of its own.</summary>
    public TelegramBotClient Actions(string token) => _actors.GetOrAdd(token, t => Create(t, _actions));

    public void Forget(string token)
    {
        _clients.TryRemove(token, out _);
        _pollers.TryRemove(token, out _);
        _actors.TryRemove(token, out _);
    }

    private static HttpMessageHandler Handler(TelegramOptions options, int maxConnections)
    {
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = maxConnections,
            EnableMultipleHttp2Connections = true, // beyond the server's stream limit per connection, open another
        };
        var https = options.ApiBaseUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        return options.HttpVersion switch
        {
            TelegramHttpVersion.Http2 => new Http2Requests(sockets, https ? HttpVersionPolicy.RequestVersionOrLower : HttpVersionPolicy.RequestVersionExact),
            TelegramHttpVersion.Auto when https => new Http2Requests(sockets, HttpVersionPolicy.RequestVersionOrLower),
            _ => sockets,
        };
    }

    /// <summary>Telegram.Bot builds its own requests (HTTP/1.1); this asks for HTTP/2 on each.</summary>
    private sealed class Http2Requests(HttpMessageHandler inner, HttpVersionPolicy policy) : DelegatingHandler(inner)
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Version = System.Net.HttpVersion.Version20;
            request.VersionPolicy = policy;
            return base.SendAsync(request, cancellationToken);
        }
    }

    private TelegramBotClient Create(string token, HttpClient http) =>
        new(new TelegramBotClientOptions(token, options.Value.ApiBaseUrl) { RetryCount = 0 }, http);
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
