using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;
using Polly;
using Polly.Timeout;
using ReplyX.Security;

namespace ReplyX.Ai;

public sealed record AiChatMessage(string Role, string Text);

/// <summary>What a provider answered, or why not.</summary>
/// <param name="Estimated">
/// The token counts are <see cref="AiTokenEstimator"/>'s estimate, not the provider's: it reported no usage
/// (or the answer was cut before the usage came).
/// </param>
/// <param name="Vectors">An embedding call's vectors, one per input in input order.</param>
public sealed record ProviderResult(AiCallOutcome Outcome, string? Text, int PromptTokens, int CompletionTokens, TimeSpan? RetryAfter, string? Error, bool Estimated = false)
{
    public IReadOnlyList<float[]>? Vectors { get; init; }
}

/// <summary>
/// Talks to any OpenAI-compatible endpoint through the official OpenAI SDK: OpenAI, YandexGPT (folder id as
/// project, model URIs), GigaChat (OAuth access token obtained and refreshed here), Anthropic's compatible
/// endpoint and local servers. The SDK's own retries are off: failover across keys is the router's job.
/// </summary>
public sealed partial class AiProviderClient(ISecretProtector secrets, IOptions<AiProviderOptions> options, TimeProvider time, ILogger<AiProviderClient> logger)
{
    private readonly ConcurrentDictionary<(Guid, string), Lazy<Entry>> _clients = new();
    // Calls per key beyond its connections wait here, before the attempt's timeout starts: a burst of
    // questions above what the host can carry queues for a slot instead of timing out inside the HTTP pool,
    // which would count against the key and open its circuit for an overload that is the host's own.
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _slots = new();
    private readonly ConcurrentDictionary<Guid, GigaChatToken> _gigaChat = new();

    // Polly owns the per-attempt timeout (the SDK's own retries are off); the circuit breaker lives in the
    // AiTokenGrain so every silo sees the same state of a key.
    private readonly ResiliencePipeline _attempt = new ResiliencePipelineBuilder { TimeProvider = time }
        .AddTimeout(options.Value.AttemptTimeout)
        .Build();

    private sealed record Entry(ChatClient Chat, EmbeddingClient Embeddings, ApiKeyCredential Credential, HttpClient Http, string EncryptedKey);

    private Entry Client(StoredAiToken token, string model)
    {
        var entry = _clients.GetOrAdd((token.Settings.Id, model), _ => new Lazy<Entry>(() => Create(token, model))).Value;
        if (entry.EncryptedKey != token.EncryptedKey)
        {
            // The admin rotated the key: rebuild the client.
            _clients.TryRemove((token.Settings.Id, model), out _);
            entry.Http.Dispose();
            entry = _clients.GetOrAdd((token.Settings.Id, model), _ => new Lazy<Entry>(() => Create(token, model))).Value;
        }
        return entry;
    }

    private sealed class GigaChatToken
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public string? AccessToken { get; set; }
        public DateTimeOffset ExpiresAt { get; set; }
    }

    public static string DefaultBaseUrl(AiProviderKind kind) => kind switch
    {
        AiProviderKind.OpenAi => "https://api.openai.com/v1",
        AiProviderKind.YandexGpt => "https://llm.api.cloud.yandex.net/v1",
        AiProviderKind.GigaChat => "https://gigachat.devices.sberbank.ru/api/v1",
        AiProviderKind.Anthropic => "https://api.anthropic.com/v1",
        _ => throw new ArgumentException("A custom provider needs a base URL."),
    };

    /// <summary>YandexGPT names models by URI inside the cloud folder (<c>gpt://</c> for chat, <c>emb://</c> for embeddings).</summary>
    public static string ProviderModel(AiTokenSettings settings, string model, string scheme = "gpt") =>
        settings.Provider == AiProviderKind.YandexGpt && !model.Contains("://", StringComparison.Ordinal) && settings.FolderId is { Length: > 0 } folder
            ? $"{scheme}://{folder}/{model}/latest"
            : model;

    public async Task<ProviderResult> Complete(
        StoredAiToken token, string model, IReadOnlyList<AiChatMessage> messages, float? temperature, int maxOutputTokens,
        Func<string, ValueTask>? onPartial, CancellationToken cancellationToken)
    {
        var entry = Client(token, model);

        // What a stream delivered before it failed: a cut answer still used the prompt and the part generated.
        var progress = new Progress();
        var slots = _slots.GetOrAdd(token.Settings.Id, _ => new SemaphoreSlim(options.Value.MaxConnectionsPerKey));
        await slots.WaitAsync(cancellationToken);
        try
        {
            return await _attempt.ExecuteAsync(ct => Call(token, entry, messages, temperature, maxOutputTokens, onPartial, progress, ct), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // Not the caller's token: the SDK's network timeout fired before Polly's.
            LogFailed(token.Settings.Id, 0, "timeout", ex);
            return Failed(AiCallOutcome.Timeout, messages, progress, $"no answer within {options.Value.AttemptTimeout}");
        }
        catch (ClientResultException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var (outcome, error, retryAfter) = Refused(token, ex);
            return Failed(outcome, messages, progress, error) with { RetryAfter = retryAfter };
        }
        catch (TimeoutRejectedException)
        {
            LogFailed(token.Settings.Id, 0, "timeout", null);
            return Failed(AiCallOutcome.Timeout, messages, progress, $"no answer within {options.Value.AttemptTimeout}");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            if (progress.Finished)
            {
                // The answer was complete (finish_reason came); only what follows it, the usage, was lost.
                LogUsageLost(token.Settings.Id, Describe(ex));
                return Answered(messages, progress.Text.ToString(), null);
            }
            // The connection dropped or the answer was malformed: mid-stream, after some text, or mid-body.
            var error = progress.Received
                ? $"stream cut after {progress.Text.Length} characters: {Describe(ex)}"
                : $"answer cut: {Describe(ex)}";
            LogFailed(token.Settings.Id, 0, error, ex);
            return Failed(AiCallOutcome.ServerError, messages, progress, error);
        }
        catch (GigaChatAuthException ex)
        {
            return new ProviderResult(ex.Unauthorized ? AiCallOutcome.Unauthorized : AiCallOutcome.ServerError, null, 0, 0, null, ex.Message);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is not OperationCanceledException)
        {
            // Cancelling a read in flight can surface as an I/O error: it is still the caller's cancellation.
            throw new OperationCanceledException("The AI call was cancelled by the caller.", ex, cancellationToken);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>What a provider's refusal (or a failed connection) means for the key, logged once.</summary>
    private (AiCallOutcome Outcome, string Error, TimeSpan? RetryAfter) Refused(StoredAiToken token, ClientResultException ex)
    {
        var outcome = ex.Status switch
        {
            429 => AiCallOutcome.RateLimited,
            401 or 403 => AiCallOutcome.Unauthorized,
            400 or 404 or 413 or 422 => AiCallOutcome.BadRequest,
            _ => AiCallOutcome.ServerError, // 5xx, and 0 when the connection failed
        };
        var error = Describe(ex);
        // A status is its own explanation; a failed connection is explained by its inner exception.
        LogFailed(token.Settings.Id, ex.Status, error, ex.Status == 0 ? ex : null);
        return (outcome, $"{(ex.Status == 0 ? "no connection" : ex.Status)}: {error}", RetryAfter(ex.GetRawResponse()));
    }

    /// <summary>
    /// Embeds <paramref name="texts"/> in one request (the caller batches). The answer is checked, not trusted:
    /// one vector per input, all of one non-zero dimension; a provider that reports no usage is metered by estimate.
    /// </summary>
    public async Task<ProviderResult> Embed(StoredAiToken token, string model, IReadOnlyList<string> texts, int? dimensions, CancellationToken cancellationToken)
    {
        var entry = Client(token, model);
        var slots = _slots.GetOrAdd(token.Settings.Id, _ => new SemaphoreSlim(options.Value.MaxConnectionsPerKey));
        await slots.WaitAsync(cancellationToken);
        try
        {
            return await _attempt.ExecuteAsync(async ct =>
            {
                if (token.Settings.Provider == AiProviderKind.GigaChat)
                {
                    entry.Credential.Update(await GigaChatAccessToken(token, entry.Http, ct));
                }
                var result = await entry.Embeddings.GenerateEmbeddingsAsync(texts, new EmbeddingGenerationOptions { Dimensions = dimensions }, ct);
                return Embedded(token, texts, result.Value);
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutRejectedException)
        {
            LogFailed(token.Settings.Id, 0, "timeout", null);
            return new ProviderResult(AiCallOutcome.Timeout, null, 0, 0, null, $"no answer within {options.Value.AttemptTimeout}");
        }
        catch (ClientResultException ex) when (!cancellationToken.IsCancellationRequested)
        {
            var (outcome, error, retryAfter) = Refused(token, ex);
            return new ProviderResult(outcome, null, 0, 0, retryAfter, error);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or FormatException && !cancellationToken.IsCancellationRequested)
        {
            var error = "embeddings answer unreadable: " + Describe(ex);
            LogFailed(token.Settings.Id, 0, error, ex);
            return new ProviderResult(AiCallOutcome.ServerError, null, 0, 0, null, error);
        }
        catch (GigaChatAuthException ex)
        {
            return new ProviderResult(ex.Unauthorized ? AiCallOutcome.Unauthorized : AiCallOutcome.ServerError, null, 0, 0, null, ex.Message);
        }
        finally
        {
            slots.Release();
        }
    }

    private ProviderResult Embedded(StoredAiToken token, IReadOnlyList<string> texts, OpenAIEmbeddingCollection collection)
    {
        var vectors = new float[texts.Count][];
        foreach (var embedding in collection)
        {
            if (embedding.Index >= 0 && embedding.Index < vectors.Length)
            {
                vectors[embedding.Index] = embedding.ToFloats().ToArray();
            }
        }
        var dimension = vectors.FirstOrDefault()?.Length ?? 0;
        string? fault = collection.Count != texts.Count ? $"{collection.Count} vectors for {texts.Count} inputs"
            : vectors.Any(v => v is null) ? "vectors missing for some inputs"
            : dimension == 0 || vectors.Any(v => v.Length != dimension) ? "vectors of differing or zero dimension"
            : null;
        var reported = collection.Usage?.InputTokenCount ?? 0;
        var (tokens, estimated) = reported > 0 ? (reported, false) : (texts.Sum(AiTokenEstimator.Text), true);
        if (fault is not null)
        {
            LogFailed(token.Settings.Id, 200, fault, null);
            // The provider took (and bills) the request all the same.
            return new ProviderResult(AiCallOutcome.ServerError, null, tokens, 0, null, "malformed embeddings: " + fault, estimated);
        }
        return new ProviderResult(AiCallOutcome.Success, null, tokens, 0, null, null, estimated) { Vectors = vectors };
    }

    /// <summary>A failed attempt; when a stream had started, the tokens it used are estimated (the provider bills them).</summary>
    private static ProviderResult Failed(AiCallOutcome outcome, IReadOnlyList<AiChatMessage> messages, Progress progress, string error) =>
        progress.Received
            ? new ProviderResult(outcome, null, AiTokenEstimator.Prompt(messages), AiTokenEstimator.Completion(progress.Text.ToString()), null, error, Estimated: true)
            : new ProviderResult(outcome, null, 0, 0, null, error);

    private sealed class Progress
    {
        /// <summary>The stream's first update arrived: the provider took the request.</summary>
        public bool Received { get; set; }

        /// <summary>The stream's finish_reason arrived: the answer is complete.</summary>
        public bool Finished { get; set; }

        public StringBuilder Text { get; } = new();
    }

    private async ValueTask<ProviderResult> Call(
        StoredAiToken token, Entry entry, IReadOnlyList<AiChatMessage> messages, float? temperature, int maxOutputTokens,
        Func<string, ValueTask>? onPartial, Progress progress, CancellationToken ct)
    {
        if (token.Settings.Provider == AiProviderKind.GigaChat)
        {
            entry.Credential.Update(await GigaChatAccessToken(token, entry.Http, ct));
        }
        var chatMessages = messages.Select(ToChatMessage).ToList();
        var chatOptions = new ChatCompletionOptions { MaxOutputTokenCount = maxOutputTokens };
        if (temperature is { } t)
        {
            chatOptions.Temperature = t;
        }

        if (onPartial is null)
        {
            var result = await entry.Chat.CompleteChatAsync(chatMessages, chatOptions, ct);
            var completion = result.Value;
            var text = string.Concat(completion.Content.Select(p => p.Text));
            return Answered(messages, text, completion.Usage);
        }

        // The SDK asks for the final usage chunk itself (stream_options.include_usage); a provider may still omit it.
        var builder = progress.Text;
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;
        await foreach (var update in entry.Chat.CompleteChatStreamingAsync(chatMessages, chatOptions, ct))
        {
            progress.Received = true;
            foreach (var part in update.ContentUpdate)
            {
                builder.Append(part.Text);
            }
            if (update.ContentUpdate.Count > 0)
            {
                await onPartial(builder.ToString());
            }
            if (update.Usage is { } reported)
            {
                usage = reported;
            }
            if (update.FinishReason is { } reason)
            {
                finish = reason;
                progress.Finished = true;
            }
        }
        if (finish is null)
        {
            // The stream ended cleanly but the answer never did (no finish_reason): a cut, not an answer.
            var error = $"stream ended without a finish_reason after {builder.Length} characters";
            LogFailed(token.Settings.Id, 200, error, null);
            return Failed(AiCallOutcome.ServerError, messages, progress, error);
        }
        return Answered(messages, builder.ToString(), usage);
    }

    /// <summary>A complete answer: its usage as reported, or estimated when the provider reported none.</summary>
    private static ProviderResult Answered(IReadOnlyList<AiChatMessage> messages, string text, ChatTokenUsage? usage)
    {
        var (prompt, completion, estimated) = usage is { } u && u.InputTokenCount + u.OutputTokenCount > 0
            ? (u.InputTokenCount, u.OutputTokenCount, false)
            : (AiTokenEstimator.Prompt(messages), AiTokenEstimator.Completion(text), true);
        return string.IsNullOrWhiteSpace(text)
            // Nothing to tell the customer: another key (or a retry) has to answer.
            ? new ProviderResult(AiCallOutcome.Empty, null, prompt, completion, null, "empty completion", estimated)
            : new ProviderResult(AiCallOutcome.Success, text, prompt, completion, null, null, estimated);
    }

    /// <summary>The first line of the message, and the innermost cause when it says more (a refused socket, a reset).</summary>
    internal static string Describe(Exception exception)
    {
        var first = First(exception.Message);
        var inner = exception;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }
        var cause = First(inner.Message);
        return ReferenceEquals(inner, exception) || first.Contains(cause, StringComparison.Ordinal) ? first : $"{first} ({cause})";
    }

    private static string First(string message) => message.Split('\n')[0];

    private static TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null || !response.Headers.TryGetValue("Retry-After", out var value) || value is null)
        {
            return null;
        }
        if (double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }
        return DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at - DateTimeOffset.UtcNow
            : null;
    }

    private static ChatMessage ToChatMessage(AiChatMessage m) => m.Role switch
    {
        "system" => new SystemChatMessage(m.Text),
        "assistant" => new AssistantChatMessage(m.Text),
        _ => new UserChatMessage(m.Text),
    };

    private Entry Create(StoredAiToken token, string model)
    {
        var settings = token.Settings;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            MaxConnectionsPerServer = options.Value.MaxConnectionsPerKey,
        };
        if (settings.ProxyUrl is { Length: > 0 } proxy)
        {
            handler.Proxy = new WebProxy(proxy);
            handler.UseProxy = true;
        }
        var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var key = settings.Provider == AiProviderKind.GigaChat ? "pending" : secrets.Unprotect(token.ProtectedSecret);
        var credential = new ApiKeyCredential(key);
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(settings.BaseUrl ?? DefaultBaseUrl(settings.Provider)),
            RetryPolicy = new ClientRetryPolicy(0),
            NetworkTimeout = options.Value.AttemptTimeout,
            Transport = new HttpClientPipelineTransport(http),
        };
        if (settings.Provider == AiProviderKind.YandexGpt && settings.FolderId is { Length: > 0 } folder)
        {
            clientOptions.ProjectId = folder;
        }
        var chat = new ChatClient(ProviderModel(settings, model), credential, clientOptions);
        var embeddings = new EmbeddingClient(ProviderModel(settings, model, "emb"), credential, clientOptions);
        return new Entry(chat, embeddings, credential, http, token.EncryptedKey);
    }

    /// <summary>
    /// GigaChat authorises chat calls with a 30-minute access token obtained from its OAuth endpoint with the
    /// authorization key and scope; it is cached per key and refreshed a minute before it expires.
    /// </summary>
    private async Task<string> GigaChatAccessToken(StoredAiToken token, HttpClient http, CancellationToken cancellationToken)
    {
        var cache = _gigaChat.GetOrAdd(token.Settings.Id, _ => new GigaChatToken());
        if (cache.AccessToken is { } cached && cache.ExpiresAt - TimeSpan.FromMinutes(1) > time.GetUtcNow())
        {
            return cached;
        }
        await cache.Gate.WaitAsync(cancellationToken);
        try
        {
            if (cache.AccessToken is { } again && cache.ExpiresAt - TimeSpan.FromMinutes(1) > time.GetUtcNow())
            {
                return again;
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, token.Settings.AuthUrl ?? "https://ngw.devices.sberbank.ru:9443/api/v2/oauth")
            {
                Content = new FormUrlEncodedContent([new("scope", token.Settings.Scope ?? "GIGACHAT_API_PERS")]),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", secrets.Unprotect(token.ProtectedSecret));
            request.Headers.Add("RqUID", Guid.NewGuid().ToString());
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new GigaChatAuthException($"GigaChat OAuth answered {(int)response.StatusCode}",
                    response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest);
            }
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var access = json.RootElement.GetProperty("access_token").GetString()
                ?? throw new GigaChatAuthException("GigaChat OAuth returned no access_token", false);
            cache.AccessToken = access;
            cache.ExpiresAt = json.RootElement.TryGetProperty("expires_at", out var expires) && expires.TryGetInt64(out var ms)
                ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
                : time.GetUtcNow() + TimeSpan.FromMinutes(30);
            LogGigaChatToken(token.Settings.Id, cache.ExpiresAt);
            return access;
        }
        catch (HttpRequestException ex)
        {
            throw new GigaChatAuthException("GigaChat OAuth is unreachable: " + ex.Message, false);
        }
        finally
        {
            cache.Gate.Release();
        }
    }

    private sealed class GigaChatAuthException(string message, bool unauthorized) : Exception(message)
    {
        public bool Unauthorized { get; } = unauthorized;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI call with token {TokenId} failed: {Status} {Error}")]
    private partial void LogFailed(Guid tokenId, int status, string error, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI stream of token {TokenId} was cut after its answer, before the usage; tokens are estimated: {Error}")]
    private partial void LogUsageLost(Guid tokenId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "GigaChat access token for {TokenId} obtained, valid until {ExpiresAt}")]
    private partial void LogGigaChatToken(Guid tokenId, DateTimeOffset expiresAt);
}
