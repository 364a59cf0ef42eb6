using System.Net.Http.Headers;
using System.Text.Json;

namespace ReplyX.Tests.Infrastructure;

public sealed record SseEvent(string? Id, string Type, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement.Clone();
}

/// <summary>An event stream opened over HTTP and read event by event, each read with a deadline; disposing leaves it.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _leave = new();

    public int Pings { get; private set; }

    private SseClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Opens the stream; the response is returned as is when it is not an event stream (an error).</summary>
    public static async Task<(SseClient? Client, HttpResponseMessage Response)> Open(HttpClient http, string path, string? token = null,
        string? lastEventId = null, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return (null, response);
        }
        return (new SseClient(response, await response.Content.ReadAsStreamAsync()), response);
    }

    /// <summary>The next event (pings are counted, not returned), or a failure after <paramref name="timeout"/>.</summary>
    public async Task<SseEvent> Next(TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_leave.Token);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(15));
        string? id = null, type = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(deadline.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.Length == 0)
            {
                if (type is null && data.Count == 0 && id is null)
                {
                    continue;
                }
                return new SseEvent(id, type ?? "message", string.Join('\n', data));
            }
            if (line.StartsWith(':'))
            {
                Pings++;
                continue;
            }
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = value; break;
                case "event": type = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    /// <summary>Reads until a comment line (a ping) arrives; fails on an event or after <paramref name="timeout"/>.</summary>
    public async Task NextPing(TimeSpan timeout)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_leave.Token);
        deadline.CancelAfter(timeout);
        while (true)
        {
            var line = await _reader.ReadLineAsync(deadline.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.StartsWith(':'))
            {
                Pings++;
                return;
            }
            if (line.Length > 0)
            {
                throw new InvalidOperationException("An event came before the ping: " + line);
            }
        }
    }

    /// <summary>Events until one of <paramref name="type"/> matching <paramref name="match"/>, returning that one.</summary>
    public async Task<SseEvent> NextOf(string type, Func<SseEvent, bool>? match = null, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var left = until - DateTime.UtcNow;
            var e = await Next(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (e.Type == type && (match is null || match(e)))
            {
                return e;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _leave.CancelAsync();
        _reader.Dispose();
        _response.Dispose();
        _leave.Dispose();
    }
}
