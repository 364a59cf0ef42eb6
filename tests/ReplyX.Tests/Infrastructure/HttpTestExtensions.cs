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

    /// <summary>Registers a new owner (with their account) and returns their access token.</summary>
    public static async Task<string> RegisterOwner(this HttpClient client, string emailPrefix = "owner")
    {
        var response = await client.PostAsJsonAsync("/api/auth/register",
            new { email = $"{emailPrefix}.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Owner" });
        return (await response.JsonBody()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>The value a response sets for cookie <paramref name="name"/>, if any.</summary>
    public static string? Cookie(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues("Set-Cookie", out var values)
            ? values.Select(v => v.Split(';')[0]).FirstOrDefault(v => v.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..]
            : null;

    /// <summary>A refresh as the dashboard sends it: the cookies and the CSRF header, each optional.</summary>
    public static HttpRequestMessage RefreshRequest(string? refresh, string? csrfCookie, string? csrfHeader)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/refresh");
        var cookies = new List<string>();
        if (refresh is not null)
        {
            cookies.Add($"replyx_refresh={refresh}");
        }
        if (csrfCookie is not null)
        {
            cookies.Add($"replyx_csrf={csrfCookie}");
        }
        if (cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", cookies));
        }
        if (csrfHeader is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrfHeader);
        }
        return request;
    }

    /// <summary>A GET as if from <paramref name="address"/> (the in-process test server has no remote address of its own).</summary>
    public static Task<Microsoft.AspNetCore.Http.HttpContext> GetFrom(this ReplyXAppFactory factory, string path, string address) =>
        factory.SendFrom("GET", path, address);

    /// <summary>A request as if from <paramref name="address"/>; <paramref name="configure"/> adds headers or a body.</summary>
    public static Task<Microsoft.AspNetCore.Http.HttpContext> SendFrom(this ReplyXAppFactory factory, string method, string path, string address,
        Action<Microsoft.AspNetCore.Http.HttpRequest>? configure = null) =>
        factory.Server.SendAsync(c =>
        {
            c.Request.Method = method;
            c.Request.Path = path;
            c.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
            configure?.Invoke(c.Request);
        });
}
