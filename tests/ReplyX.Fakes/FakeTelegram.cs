using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReplyX.Fakes;

/// <summary>
/// A Telegram Bot API on 127.0.0.1 for the real Telegram.Bot client (through its base-URL option): getMe,
/// long-polling getUpdates, setWebhook/deleteWebhook, sendMessage and sendChatAction, with Telegram's flood
/// limits (429 + retry_after), 401 for unknown tokens, 403 for users who blocked the bot and 409 for
/// getUpdates while a webhook is set. It records every message it accepted.
/// </summary>
public sealed class FakeTelegram : IAsyncDisposable
{
    public sealed record SentMessage(string Token, long ChatId, string Text, DateTimeOffset At);

    private sealed class Bot(long id, string username)
    {
        public long Id { get; } = id;
        public string Username { get; } = username;
        public Lock Gate { get; } = new();
        public List<JsonObject> Pending { get; } = [];
        public int NextUpdateId { get; set; } = 1;
        public TaskCompletionSource Signal { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public string? Webhook { get; set; }
        public string? WebhookSecret { get; set; }
        public Queue<DateTimeOffset> SentTimes { get; } = new();
        public Dictionary<long, Queue<DateTimeOffset>> ChatTimes { get; } = [];
        public int Polls;
        /// <summary>The getUpdates in progress: a newer one ends it with 409, as Telegram does.</summary>
        public TaskCompletionSource? ActivePoll;
    }

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Bot> _bots = new();
    private int _messageId;

    public string BaseUrl { get; }
    public ConcurrentQueue<SentMessage> Sent { get; } = new();
    public ConcurrentQueue<string> ChatActions { get; } = new();
    public ConcurrentDictionary<long, bool> BlockedChats { get; } = new();
    public int RateLimited;

    /// <summary>While true, sendMessage answers 500 (Telegram having a bad minute); nothing is recorded as sent.</summary>
    public bool FailSends { get; set; }

    /// <summary>sendMessage calls refused while <see cref="FailSends"/> was on.</summary>
    public int FailedSends;

    /// <summary>Chats that refuse every message with a permanent 400 and this description (e.g. "Bad Request: chat not found").</summary>
    public ConcurrentDictionary<long, string> RejectedChats { get; } = new();

    /// <summary>Groups upgraded to supergroups: sendMessage answers 400 with migrate_to_chat_id, as Telegram does.</summary>
    public ConcurrentDictionary<long, long> MigratedChats { get; } = new();

    /// <summary>How long sendChatAction takes to answer (Telegram on a slow day).</summary>
    public TimeSpan ChatActionLatency { get; set; }

    /// <summary>getUpdates calls ended with 409 because a newer one arrived.</summary>
    public int Conflicts;

    /// <summary>Messages per second a bot may send; Telegram's documented figure is about 30.</summary>
    public int PerBotPerSecond { get; set; } = 30;

    /// <summary>Messages a private chat may receive within one second (Telegram tolerates short bursts).</summary>
    public int PerChatPerSecond { get; set; } = 3;

    private FakeTelegram(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>Starts the fake; with <paramref name="http2"/> it speaks HTTP/2 only (cleartext, prior knowledge).</summary>
    public static async Task<FakeTelegram> StartAsync(bool http2 = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (http2)
        {
            builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        }
        builder.Logging.ClearProviders();
        WebApplication app;
        lock (FakeServer.HostBuildGate)
        {
            app = builder.Build(); // see FakeServer.HostBuildGate
        }
        FakeTelegram? fake = null;
        app.MapPost("/bot{token}/{method}", (string token, string method, HttpContext http) => fake!.Handle(token, method, http));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeTelegram(app, address.TrimEnd('/'));
        return fake;
    }

    /// <summary>Registers a bot; returns its token.</summary>
    public string AddBot(string username)
    {
        var id = Random.Shared.NextInt64(1_000_000, 9_999_999_999);
        var token = $"{id}:AA{Guid.NewGuid():N}";
        _bots[token] = new Bot(id, username);
        return token;
    }

    public void RevokeToken(string token) => _bots.TryRemove(token, out _);

    /// <summary>@BotFather's /revoke: the old token stops working, the bot (and its id) stays.</summary>
    public string RotateToken(string token)
    {
        _bots.TryRemove(token, out var bot);
        var newToken = $"{bot!.Id}:AA{Guid.NewGuid():N}";
        _bots[newToken] = bot;
        return newToken;
    }

    /// <summary>The webhook URL and secret a bot registered with setWebhook, if any.</summary>
    public (string? Url, string? Secret) WebhookOf(string token) => _bots.TryGetValue(token, out var bot) ? (bot.Webhook, bot.WebhookSecret) : (null, null);

    /// <summary>Somebody else sets a webhook for this bot (so getUpdates answers 409).</summary>
    public void SetWebhookElsewhere(string token) => _bots[token].Webhook = "https://elsewhere.example/hook";

    public int Polls(string token) => _bots.TryGetValue(token, out var bot) ? bot.Polls : 0;

    /// <summary>Whether a getUpdates of this bot is in progress now.</summary>
    public bool Polling(string token)
    {
        var bot = _bots[token];
        lock (bot.Gate)
        {
            return bot.ActivePoll is not null;
        }
    }

    /// <summary>Updates of this bot not yet acknowledged by a getUpdates offset.</summary>
    public int Pending(string token)
    {
        var bot = _bots[token];
        lock (bot.Gate)
        {
            return bot.Pending.Count;
        }
    }

    /// <summary>A user writes to the bot: queues an update as Telegram would.</summary>
    public int UserWrites(string token, long chatId, string text, string firstName = "Иван") =>
        Queue(token, chatId, firstName, m => m["text"] = text);

    /// <summary>A user sends a photo without a caption.</summary>
    public int UserSendsPhoto(string token, long chatId) =>
        Queue(token, chatId, "Иван", m => m["photo"] = new JsonArray(new JsonObject { ["file_id"] = "photo-1", ["file_unique_id"] = "u1", ["width"] = 90, ["height"] = 90 }));

    /// <summary>A group member replies to one of the bot's messages.</summary>
    public int UserRepliesToBot(string token, long chatId, string text) =>
        Queue(token, chatId, "Пётр", m =>
        {
            var bot = _bots[token];
            m["text"] = text;
            m["reply_to_message"] = new JsonObject
            {
                ["message_id"] = 1,
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = "group", ["title"] = "Shop" },
                ["from"] = new JsonObject { ["id"] = bot.Id, ["is_bot"] = true, ["first_name"] = bot.Username, ["username"] = bot.Username },
                ["text"] = "earlier answer",
            };
        });

    private int Queue(string token, long chatId, string firstName, Action<JsonObject> content)
    {
        var bot = _bots[token];
        lock (bot.Gate)
        {
            var updateId = bot.NextUpdateId++;
            var message = new JsonObject
            {
                ["message_id"] = Interlocked.Increment(ref _messageId),
                ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = chatId < 0 ? "group" : "private", ["first_name"] = firstName },
                ["from"] = new JsonObject { ["id"] = Math.Abs(chatId), ["is_bot"] = false, ["first_name"] = firstName },
            };
            if (chatId < 0)
            {
                ((JsonObject)message["chat"]!)["title"] = "Shop";
            }
            content(message);
            bot.Pending.Add(new JsonObject { ["update_id"] = updateId, ["message"] = message });
            bot.Signal.TrySetResult();
            return updateId;
        }
    }

    public IReadOnlyList<SentMessage> SentBy(string token) => Sent.Where(m => m.Token == token).ToArray();

    /// <summary>HTTP protocols the Bot API calls arrived with.</summary>
    public ConcurrentDictionary<string, int> Protocols { get; } = new();

    private async Task Handle(string token, string method, HttpContext http)
    {
        Protocols.AddOrUpdate(http.Request.Protocol, 1, (_, n) => n + 1);
        if (!_bots.TryGetValue(token, out var bot))
        {
            await Error(http, 401, "Unauthorized");
            return;
        }
        var body = http.Request.ContentLength is > 0 || http.Request.ContentType?.Contains("json") == true
            ? (await JsonNode.ParseAsync(http.Request.Body))?.AsObject() ?? []
            : [];
        switch (method.ToLowerInvariant())
        {
            case "getme":
                await Ok(http, new JsonObject { ["id"] = bot.Id, ["is_bot"] = true, ["first_name"] = bot.Username, ["username"] = bot.Username });
                return;
            case "getupdates":
                await GetUpdates(bot, body, http);
                return;
            case "setwebhook":
                bot.Webhook = body["url"]?.GetValue<string>();
                bot.WebhookSecret = body["secret_token"]?.GetValue<string>();
                await Ok(http, true);
                return;
            case "deletewebhook":
                bot.Webhook = null;
                await Ok(http, true);
                return;
            case "sendchataction":
                if (ChatActionLatency > TimeSpan.Zero)
                {
                    await Task.Delay(ChatActionLatency, http.RequestAborted);
                }
                ChatActions.Enqueue(token);
                await Ok(http, true);
                return;
            case "sendmessage":
                await SendMessage(token, bot, body, http);
                return;
            default:
                await Error(http, 404, "Not Found: method not found");
                return;
        }
    }

    private async Task GetUpdates(Bot bot, JsonObject body, HttpContext http)
    {
        if (bot.Webhook is not null)
        {
            await Error(http, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
            return;
        }
        Interlocked.Increment(ref bot.Polls);
        // Two getUpdates at once (a second instance of the bot, or a brief double activation): Telegram ends
        // the older one with 409 and serves the newer.
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskCompletionSource? older;
        lock (bot.Gate)
        {
            older = bot.ActivePoll;
            bot.ActivePoll = mine;
        }
        older?.TrySetResult();
        try
        {
            await GetUpdatesAlone(bot, body, http, mine.Task);
        }
        finally
        {
            lock (bot.Gate)
            {
                if (bot.ActivePoll == mine)
                {
                    bot.ActivePoll = null;
                }
            }
        }
    }

    private async Task GetUpdatesAlone(Bot bot, JsonObject body, HttpContext http, Task superseded)
    {
        var offset = body["offset"]?.GetValue<int>() ?? 0;
        var timeout = Math.Min(body["timeout"]?.GetValue<int>() ?? 0, 50);
        var deadline = DateTimeOffset.UtcNow.AddSeconds(timeout);
        JsonArray batch;
        while (true)
        {
            Task signal;
            lock (bot.Gate)
            {
                bot.Pending.RemoveAll(u => u["update_id"]!.GetValue<int>() < offset);
                if (bot.Pending.Count > 0 || DateTimeOffset.UtcNow >= deadline)
                {
                    batch = new JsonArray(bot.Pending.Take(body["limit"]?.GetValue<int>() ?? 100).Select(u => (JsonNode)u.DeepClone()).ToArray());
                    break;
                }
                if (bot.Signal.Task.IsCompleted)
                {
                    bot.Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                signal = bot.Signal.Task;
            }
            try
            {
                await Task.WhenAny(signal, superseded).WaitAsync(deadline - DateTimeOffset.UtcNow, http.RequestAborted);
            }
            catch (TimeoutException)
            {
                // the long poll ends empty
            }
            if (superseded.IsCompleted)
            {
                Interlocked.Increment(ref Conflicts);
                await Error(http, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
                return;
            }
        }
        await Ok(http, batch);
    }

    private async Task SendMessage(string token, Bot bot, JsonObject body, HttpContext http)
    {
        var chatId = body["chat_id"]!.GetValueKind() == JsonValueKind.String ? long.Parse(body["chat_id"]!.GetValue<string>()) : body["chat_id"]!.GetValue<long>();
        var text = body["text"]?.GetValue<string>() ?? "";
        if (FailSends)
        {
            Interlocked.Increment(ref FailedSends);
            await Error(http, 500, "Internal Server Error");
            return;
        }
        if (BlockedChats.ContainsKey(chatId))
        {
            await Error(http, 403, "Forbidden: bot was blocked by the user");
            return;
        }
        if (RejectedChats.TryGetValue(chatId, out var rejection))
        {
            await Error(http, 400, rejection);
            return;
        }
        if (MigratedChats.TryGetValue(chatId, out var supergroup))
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsJsonAsync(new JsonObject
            {
                ["ok"] = false,
                ["error_code"] = 400,
                ["description"] = "Bad Request: group chat was upgraded to a supergroup chat",
                ["parameters"] = new JsonObject { ["migrate_to_chat_id"] = supergroup },
            });
            return;
        }
        if (text.Length > 4096)
        {
            await Error(http, 400, "Bad Request: message is too long");
            return;
        }
        var now = DateTimeOffset.UtcNow;
        int? retryAfter = null;
        lock (bot.Gate)
        {
            while (bot.SentTimes.Count > 0 && now - bot.SentTimes.Peek() >= TimeSpan.FromSeconds(1))
            {
                bot.SentTimes.Dequeue();
            }
            var chat = bot.ChatTimes.TryGetValue(chatId, out var q) ? q : bot.ChatTimes[chatId] = new Queue<DateTimeOffset>();
            var window = chatId < 0 ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(1);
            var chatLimit = chatId < 0 ? 20 : PerChatPerSecond;
            while (chat.Count > 0 && now - chat.Peek() >= window)
            {
                chat.Dequeue();
            }
            if (bot.SentTimes.Count >= PerBotPerSecond || chat.Count >= chatLimit)
            {
                retryAfter = chat.Count >= chatLimit && chatId < 0 ? 30 : 1;
            }
            else
            {
                bot.SentTimes.Enqueue(now);
                chat.Enqueue(now);
            }
        }
        if (retryAfter is { } seconds)
        {
            Interlocked.Increment(ref RateLimited);
            http.Response.StatusCode = 429;
            await http.Response.WriteAsJsonAsync(new JsonObject
            {
                ["ok"] = false,
                ["error_code"] = 429,
                ["description"] = $"Too Many Requests: retry after {seconds}",
                ["parameters"] = new JsonObject { ["retry_after"] = seconds },
            });
            return;
        }
        Sent.Enqueue(new SentMessage(token, chatId, text, now));
        await Ok(http, new JsonObject
        {
            ["message_id"] = Interlocked.Increment(ref _messageId),
            ["date"] = now.ToUnixTimeSeconds(),
            ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = chatId < 0 ? "group" : "private" },
            ["text"] = text,
        });
    }

    private static Task Ok(HttpContext http, JsonNode result) =>
        http.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = true, ["result"] = result });

    private static Task Ok(HttpContext http, bool result) =>
        http.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = true, ["result"] = result });

    private static Task Error(HttpContext http, int code, string description)
    {
        http.Response.StatusCode = code;
        return http.Response.WriteAsJsonAsync(new JsonObject { ["ok"] = false, ["error_code"] = code, ["description"] = description });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
