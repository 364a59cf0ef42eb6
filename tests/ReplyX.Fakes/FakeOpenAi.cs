using System.Collections.Concurrent;
using System.Text;
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
/// An OpenAI-compatible server on 127.0.0.1 for the real OpenAI client to call: chat completions (plain and
/// streamed with a final usage chunk), embeddings, a GigaChat-style OAuth endpoint, and per-key behaviour
/// (429 with Retry-After, 500, latency, and the providers' bad days: no usage, an answer cut mid-way, an empty
/// completion). It counts what it served so tests can compare with ReplyX's books.
/// </summary>
public sealed class FakeOpenAi : IAsyncDisposable
{
    public sealed class KeyBehavior
    {
        public int? RateLimitedRetryAfterSeconds { get; set; }
        public bool ServerError { get; set; }

        /// <summary>Waits this long before answering (cut short when the client goes away).</summary>
        public TimeSpan Latency { get; set; }

        /// <summary>Pause between a stream's content deltas, as a model that writes word by word.</summary>
        public TimeSpan DeltaInterval { get; set; }

        /// <summary>No <c>usage</c> in a plain answer and no final usage chunk in a stream, as some providers do.</summary>
        public bool OmitUsage { get; set; }

        /// <summary>This key's reply instead of <see cref="Reply"/>: "" (or spaces) makes an empty completion.</summary>
        public string? Content { get; set; }

        /// <summary>
        /// A stream stops after this many content deltas (0: before the first), without a finish_reason, the usage
        /// chunk or <c>[DONE]</c>; a plain answer stops half-way through its JSON body.
        /// </summary>
        public int? CutAfterDeltas { get; set; }

        /// <summary>
        /// A stream sends the whole answer, its last word together with the finish_reason, and is cut before the
        /// usage chunk and <c>[DONE]</c>: a complete answer whose usage never came.
        /// </summary>
        public bool CutBeforeUsage { get; set; }

        /// <summary>With <see cref="CutAfterDeltas"/> or <see cref="CutBeforeUsage"/>: end the response normally instead of dropping the connection.</summary>
        public bool CutGracefully { get; set; }

        /// <summary>
        /// With <see cref="CutAfterDeltas"/> or <see cref="CutBeforeUsage"/>: a stream is cut only once this completes (the client saw the deltas;
        /// a connection reset would otherwise discard what it had not read yet), or after ten seconds at most.
        /// </summary>
        public Task? CutWhen { get; set; }

        /// <summary>Embeddings are refused with a permanent 400 (an input over the model's context).</summary>
        public bool RejectEmbeddings { get; set; }

        /// <summary>An embeddings answer lacks the last input's vector (a malformed answer with status 200).</summary>
        public bool DropLastEmbedding { get; set; }
    }

    /// <param name="IncludeUsage">The request asked for the streamed usage chunk (<c>stream_options.include_usage</c>).</param>
    /// <param name="Cut">The answer was cut short (<see cref="KeyBehavior.CutAfterDeltas"/>).</param>
    public sealed record Served(string Key, string Model, DateTimeOffset At, int Status, int PromptTokens, int CompletionTokens, bool Stream,
        bool IncludeUsage = false, bool Cut = false);

    private readonly WebApplication _app;

    public ConcurrentDictionary<string, KeyBehavior> Behaviors { get; } = new();
    public ConcurrentQueue<Served> Requests { get; } = new();

    /// <summary>The system message of every chat request, in arrival order (what the model was told, passages included).</summary>
    public ConcurrentQueue<string> SystemPrompts { get; } = new();
    public ConcurrentQueue<string> OAuthRequests { get; } = new();

    /// <summary>Keys of chat requests as they arrive (before any configured latency).</summary>
    public ConcurrentQueue<string> Arrivals { get; } = new();

    /// <summary>Keys of chat requests whose client went away during the configured latency, as a cancelled call does.</summary>
    public ConcurrentQueue<string> Aborted { get; } = new();
    public Func<string, string> Reply { get; set; } = text => "Echo: " + text;

    public string BaseUrl { get; }
    public string Root { get; }

    private FakeOpenAi(WebApplication app, string root)
    {
        _app = app;
        Root = root;
        BaseUrl = root + "/v1";
    }

    public static async Task<FakeOpenAi> StartAsync()
    {
        FakeOpenAi? fake = null;
        var (app, root) = await FakeServer.StartAsync(app =>
        {
            app.MapPost("/v1/chat/completions", (HttpContext http) => fake!.Chat(http));
            app.MapPost("/v1/embeddings", (HttpContext http) => fake!.Embeddings(http));
            app.MapPost("/api/v2/oauth", (HttpContext http) => fake!.OAuth(http));
        });
        fake = new FakeOpenAi(app, root);
        return fake;
    }

    public KeyBehavior For(string key) => Behaviors.GetOrAdd(key, _ => new KeyBehavior());

    public IReadOnlyList<Served> ServedTo(string key) => Requests.Where(r => r.Key == key).ToArray();

    /// <summary>Deterministic token counts: words.</summary>
    public static int Count(string text) => text.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;

    private static string Key(HttpContext http) =>
        http.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : "";

    private readonly ConcurrentDictionary<string, (int Now, int Max)> _inFlight = new();

    /// <summary>The most chat requests of <paramref name="key"/> that were being served at the same moment.</summary>
    public int MaxInFlight(string key) => _inFlight.TryGetValue(key, out var n) ? n.Max : 0;

    private async Task Chat(HttpContext http)
    {
        var key = Key(http);
        _inFlight.AddOrUpdate(key, (1, 1), (_, n) => (n.Now + 1, Math.Max(n.Max, n.Now + 1)));
        try
        {
            await ChatCore(http, key);
        }
        finally
        {
            _inFlight.AddOrUpdate(key, (0, 0), (_, n) => (n.Now - 1, n.Max));
        }
    }

    /// <summary>A key's bad day: 429 with Retry-After, or 500.</summary>
    private async Task<bool> Refused(HttpContext http, string key, string model, KeyBehavior behavior, bool stream)
    {
        if (behavior.RateLimitedRetryAfterSeconds is { } retryAfter)
        {
            Requests.Enqueue(new Served(key, model, DateTimeOffset.UtcNow, 429, 0, 0, stream));
            http.Response.StatusCode = 429;
            http.Response.Headers.RetryAfter = retryAfter.ToString();
            await http.Response.WriteAsJsonAsync(new { error = new { message = "Rate limit reached", type = "requests", code = "rate_limit_exceeded" } });
            return true;
        }
        if (behavior.ServerError)
        {
            Requests.Enqueue(new Served(key, model, DateTimeOffset.UtcNow, 500, 0, 0, stream));
            http.Response.StatusCode = 500;
            await http.Response.WriteAsJsonAsync(new { error = new { message = "The server had an error", type = "server_error" } });
            return true;
        }
        return false;
    }

    private async Task ChatCore(HttpContext http, string key)
    {
        var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var model = body["model"]!.GetValue<string>();
        var stream = body["stream"]?.GetValue<bool>() == true;
        var includeUsage = body["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
        var behavior = For(key);
        Arrivals.Enqueue(key);
        if (behavior.Latency > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(behavior.Latency, http.RequestAborted);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                Aborted.Enqueue(key); // the client went away (cancelled its call) before the answer
                return;
            }
        }
        if (await Refused(http, key, model, behavior, stream))
        {
            return;
        }

        var messages = body["messages"]!.AsArray();
        var prompt = messages.Sum(m => Count(Content(m!)));
        var lastUser = messages.LastOrDefault(m => m!["role"]!.GetValue<string>() == "user") is { } u ? Content(u) : "";
        if (messages.FirstOrDefault(m => m!["role"]!.GetValue<string>() == "system") is { } system)
        {
            SystemPrompts.Enqueue(Content(system));
        }
        var reply = behavior.Content ?? Reply(lastUser);
        var completion = Count(reply);
        var cut = behavior.CutAfterDeltas;
        Requests.Enqueue(new Served(key, model, DateTimeOffset.UtcNow, 200, prompt, completion, stream, includeUsage,
            cut is not null || (stream && behavior.CutBeforeUsage)));
        var usage = new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = prompt + completion };
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        async Task CutWhenSeen()
        {
            if (behavior.CutWhen is { } seen)
            {
                try
                {
                    await seen.WaitAsync(TimeSpan.FromSeconds(10), http.RequestAborted);
                }
                catch (TimeoutException)
                {
                    // Cut all the same.
                }
            }
        }

        async Task Stop()
        {
            if (behavior.CutGracefully)
            {
                await http.Response.CompleteAsync();
            }
            else
            {
                http.Abort();
            }
        }

        if (!stream)
        {
            var answer = new JsonObject
            {
                ["id"] = "chatcmpl-" + Guid.NewGuid().ToString("N"),
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
                    ["finish_reason"] = "stop",
                }),
            };
            if (!behavior.OmitUsage)
            {
                answer["usage"] = JsonSerializer.SerializeToNode(usage);
            }
            var json = answer.ToJsonString();
            http.Response.ContentType = "application/json";
            if (cut is not null)
            {
                await http.Response.WriteAsync(json[..(json.Length / 2)]);
                await http.Response.Body.FlushAsync();
                await Stop();
                return;
            }
            await http.Response.WriteAsync(json);
            return;
        }

        http.Response.ContentType = "text/event-stream";
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        async Task Send(object chunk)
        {
            await http.Response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
            await http.Response.Body.FlushAsync();
        }
        var words = reply.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            if (i == cut)
            {
                await CutWhenSeen();
                await Stop();
                return;
            }
            if (i > 0 && behavior.DeltaInterval > TimeSpan.Zero)
            {
                await Task.Delay(behavior.DeltaInterval, http.RequestAborted);
            }
            var piece = i == 0 ? words[i] : " " + words[i];
            var last = i == words.Length - 1 && behavior.CutBeforeUsage && cut is null;
            await Send(new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { role = "assistant", content = piece }, finish_reason = last ? "stop" : null } } });
        }
        if (behavior.CutBeforeUsage && cut is null)
        {
            await CutWhenSeen();
            await Stop();
            return;
        }
        if (cut is not null)
        {
            await CutWhenSeen();
            await Stop();
            return;
        }
        await Send(new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { }, finish_reason = "stop" } } });
        if (!behavior.OmitUsage)
        {
            await Send(new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage });
        }
        await http.Response.WriteAsync("data: [DONE]\n\n");
    }

    private static string Content(JsonNode message) => message["content"] switch
    {
        JsonValue v => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p!["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    /// <summary>
    /// What the fake's "multilingual model" understands: words (by prefix) in Russian and English that mean the
    /// same thing land on the same dimension, as a real multilingual model puts them close together.
    /// </summary>
    public static readonly string[][] Concepts =
    [
        ["refund", "money back", "reimburse", "возврат", "вернуть", "деньги"],
        ["deliver", "shipping", "parcel", "courier", "доставк", "посылк", "курьер"],
        ["password", "log in", "login", "парол", "логин", "войти"],
        ["opening hours", "open", "schedule", "график", "часы работы", "работаете"],
    ];

    /// <summary>
    /// The vector of one input (before normalising and shortening): one dimension per concept of
    /// <see cref="Concepts"/> it mentions, then its other words hashed into 8 more (weakly).
    /// </summary>
    public Func<string, float[]> EmbeddingOf { get; set; } = text =>
    {
        var vector = new float[Concepts.Length + 8];
        var lower = text.ToLowerInvariant();
        for (var c = 0; c < Concepts.Length; c++)
        {
            vector[c] = Concepts[c].Sum(term => CountOf(lower, term)) * 3f;
        }
        foreach (var word in lower.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            vector[Concepts.Length + (int)((uint)StableHash(word) % 8)] += 0.2f;
        }
        return vector;
    };

    private static int CountOf(string text, string term)
    {
        var count = 0;
        for (var at = text.IndexOf(term, StringComparison.Ordinal); at >= 0; at = text.IndexOf(term, at + term.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private static int StableHash(string word) => word.Aggregate(17, (h, ch) => unchecked(h * 31 + ch));

    /// <summary>Inputs per embeddings request, in arrival order (key, model, how many texts), refused ones included.</summary>
    public ConcurrentQueue<(string Key, string Model, int Inputs)> EmbeddingRequests { get; } = new();

    private async Task Embeddings(HttpContext http)
    {
        var key = Key(http);
        var behavior = For(key);
        var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var model = body["model"]!.GetValue<string>();
        var inputs = body["input"] is JsonArray array ? array.Select(i => i!.GetValue<string>()).ToArray() : [body["input"]!.GetValue<string>()];
        EmbeddingRequests.Enqueue((key, model, inputs.Length));
        if (await Refused(http, key, model, behavior, stream: false))
        {
            return;
        }
        if (behavior.RejectEmbeddings)
        {
            // As OpenAI refuses an input over the model's context: permanent, whichever key asks.
            Requests.Enqueue(new Served(key, model, DateTimeOffset.UtcNow, 400, 0, 0, false));
            http.Response.StatusCode = 400;
            await http.Response.WriteAsJsonAsync(new { error = new { message = "This model's maximum context length is 8192 tokens", type = "invalid_request_error" } });
            return;
        }
        var dimensions = body["dimensions"]?.GetValue<int>();
        var base64 = body["encoding_format"]?.GetValue<string>() == "base64";
        var returned = behavior.DropLastEmbedding && inputs.Length > 0 ? inputs[..^1] : inputs;
        var data = returned.Select((text, index) =>
        {
            var vector = EmbeddingOf(text);
            if (dimensions is { } d && d < vector.Length)
            {
                vector = vector[..d];
            }
            var norm = MathF.Sqrt(vector.Sum(x => x * x));
            var normalised = vector.Select(x => norm == 0 ? 0 : x / norm).ToArray();
            if (!base64)
            {
                return (object)new { @object = "embedding", index, embedding = normalised };
            }
            var bytes = new byte[normalised.Length * 4];
            Buffer.BlockCopy(normalised, 0, bytes, 0, bytes.Length);
            return new { @object = "embedding", index, embedding = Convert.ToBase64String(bytes) };
        }).ToArray();
        var tokens = inputs.Sum(Count);
        Requests.Enqueue(new Served(key, model, DateTimeOffset.UtcNow, 200, tokens, 0, false));
        if (behavior.OmitUsage)
        {
            await http.Response.WriteAsJsonAsync(new { @object = "list", data, model });
            return;
        }
        await http.Response.WriteAsJsonAsync(new { @object = "list", data, model, usage = new { prompt_tokens = tokens, total_tokens = tokens } });
    }

    private async Task OAuth(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        var auth = http.Request.Headers.Authorization.ToString();
        OAuthRequests.Enqueue(auth);
        if (!auth.StartsWith("Basic ", StringComparison.Ordinal) || string.IsNullOrEmpty(form["scope"]) || string.IsNullOrEmpty(http.Request.Headers["RqUID"]))
        {
            http.Response.StatusCode = 401;
            return;
        }
        var token = "giga-access-" + Guid.NewGuid().ToString("N")[..8];
        Behaviors.TryAdd(token, new KeyBehavior());
        await http.Response.WriteAsJsonAsync(new { access_token = token, expires_at = DateTimeOffset.UtcNow.AddMinutes(30).ToUnixTimeMilliseconds() });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
