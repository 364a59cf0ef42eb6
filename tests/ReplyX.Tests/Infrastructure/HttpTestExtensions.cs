using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ReplyX.Tests.Infrastructure;

/// <summary>The few HTTP steps every API test repeats.</summary>
public static class HttpTestExtensions
{
    public static async Task<JsonElement> JsonBody(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Sends a request as the holder of <paramref name="token"/> (anonymously when null), with an optional JSON body.</summary>
    public static Task<HttpResponseMessage> SendAs(
        this HttpClient client, HttpMethod method, string path, string? token, object? body = null, string? userAgent = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (userAgent is not null)
        {
            request.Headers.UserAgent.ParseAdd(userAgent);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return client.SendAsync(request);
    }
}
