using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>
/// Tests over every endpoint the app maps, read from the endpoint data source, so a new endpoint is
/// covered without anyone remembering to add it: malformed input never yields a 500, and every
/// tenant-owned route refuses a caller from another account.
/// </summary>
public sealed class EndpointBatteryTests : IClassFixture<EndpointBatteryTests.App>
{
    public sealed class App : IAsyncLifetime
    {
        public ReplyXAppFactory Factory { get; private set; } = null!;
        public ReplyX.Fakes.FakeTelegram Telegram { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Telegram = await ReplyX.Fakes.FakeTelegram.StartAsync();
            Factory = new(new Dictionary<string, string?>
            {
                ["RateLimits:AuthPerMinute"] = "100000",
                ["RateLimits:UserPerMinute"] = "100000",
                ["Widget:SessionsPerMinute"] = "100000",
                ["Admin:Email"] = "battery-admin@replyx.test",
                ["Admin:Password"] = "admin password for tests",
                ["Telegram:ApiBaseUrl"] = Telegram.BaseUrl,
                ["Telegram:PollTimeout"] = "00:00:02",
            });
        }

        public async Task DisposeAsync()
        {
            await Factory.DisposeAsync();
            await Telegram.DisposeAsync();
        }
    }

    private const string Password = "correct horse battery";
    private readonly App _app;
    private readonly HttpClient _client;

    public EndpointBatteryTests(App app)
    {
        _app = app;
        _client = app.Factory.CreateClient(new() { HandleCookies = false });
    }

    private IReadOnlyList<(string Method, RouteEndpoint Endpoint)> Endpoints(params string[] methods) =>
        _app.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(methods.Contains)
                .Select(m => (m, e)))
            .ToArray();

    private static string Path(RouteEndpoint endpoint, Guid id)
    {
        var segments = endpoint.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => parameter.Name == "documentName" ? "v1" : id.ToString(),
            _ => "",
        })));
        return "/" + string.Join('/', segments);
    }

    private async Task<(string Token, Guid AccountId)> Owner()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/register", new { email = $"bat.{Guid.NewGuid():N}@example.com", password = Password, name = "Battery" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (body.GetProperty("accessToken").GetString()!, body.GetProperty("user").GetProperty("account").GetProperty("id").GetGuid());
    }

    private async Task<string> Admin()
    {
        var response = await _client.PostAsJsonAsync("/api/auth/login", new { email = "battery-admin@replyx.test", password = "admin password for tests" });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
    }

    private static readonly (string Name, Func<HttpContent> Content)[] MalformedBodies =
    [
        ("truncated JSON", () => new StringContent("{\"email\":", Encoding.UTF8, "application/json")),
        ("array", () => new StringContent("[1,2,3]", Encoding.UTF8, "application/json")),
        ("null", () => new StringContent("null", Encoding.UTF8, "application/json")),
        ("empty", () => new StringContent("", Encoding.UTF8, "application/json")),
        ("wrong types", () => new StringContent("{\"email\":123,\"password\":[],\"name\":{},\"role\":7,\"blocked\":\"yes\",\"text\":false}", Encoding.UTF8, "application/json")),
        ("unknown enum", () => new StringContent("{\"role\":\"superuser\",\"mode\":\"teleport\"}", Encoding.UTF8, "application/json")),
        ("over-long strings", () => new StringContent(JsonSerializer.Serialize(new { email = new string('e', 50_000) + "@x.io", password = new string('p', 50_000), name = new string('n', 50_000), role = new string('r', 50_000) }), Encoding.UTF8, "application/json")),
        ("deep nesting", () => new StringContent(new string('[', 5000) + new string(']', 5000), Encoding.UTF8, "application/json")),
        ("invalid UTF-8", () => new ByteArrayContent([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }),
        ("form content type", () => new FormUrlEncodedContent([new("email", "a@b.c")])),
        ("plain text", () => new StringContent("hello", Encoding.UTF8, "text/plain")),
        ("unknown charset", () => new StringContent("{\"name\":\"x\"}") { Headers = { ContentType = MediaTypeHeaderValue.Parse("application/json; charset=klingon") } }),
        ("control characters", () => new StringContent(JsonSerializer.Serialize(new { email = "a\u0000@example.com", password = "correct horse\u0000battery", name = "N\u0007", text = "\u0000", systemPrompt = "\u001b[31m", model = "m\u0000", apiKey = "k\u0000", folderId = "f\r\n", token = "1:\u0000" }), Encoding.UTF8, "application/json")),
        ("chunked, over the cap", () => new ChunkedContent(new string(' ', 1024 * 1024 + 1) + "{}")),
    ];

    [Fact]
    public async Task Malformed_requests_to_every_write_endpoint_are_4xx_problems_never_500()
    {
        var owner = await Owner();
        var admin = await Admin();
        var writes = Endpoints("POST", "PUT", "PATCH");
        Assert.NotEmpty(writes);
        var failures = new List<string>();

        // An id-bearing handler may answer 404 before it reads its input: the owner probes with ids of their own.
        var ownIds = new Dictionary<string, Guid>();
        foreach (var (_, endpoint) in writes.Where(e => IsTenantRoute(e.Endpoint)))
        {
            ownIds[endpoint.RoutePattern.RawText!] = await CreateOwnedBy(endpoint.RoutePattern.RawText!, owner.Token);
        }

        foreach (var (method, endpoint) in writes)
        {
            foreach (var token in new[] { owner.Token, admin, null })
            {
                var id = token == owner.Token && ownIds.TryGetValue(endpoint.RoutePattern.RawText!, out var own) ? own : Guid.NewGuid();
                foreach (var (name, content) in MalformedBodies)
                {
                    var request = new HttpRequestMessage(new HttpMethod(method), Path(endpoint, id)) { Content = content() };
                    if (token is not null)
                    {
                        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    }
                    await CheckError(await _client.SendAsync(request), $"{method} {endpoint.RoutePattern.RawText} [{name}]", failures);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // The widget's routes are the visitors', authenticated by a session token, not by an account's user
    // (their isolation: LiveDialogsTests).
    private static bool IsTenantRoute(RouteEndpoint e) =>
        e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal)
        && !e.RoutePattern.RawText.StartsWith("/api/admin/", StringComparison.Ordinal)
        && !e.RoutePattern.RawText.StartsWith("/api/widget/", StringComparison.Ordinal)
        && e.RoutePattern.Parameters.Count > 0;

    /// <summary>Event streams stay open by design: their errors are tested where they are read (LiveDialogsTests).</summary>
    private static bool IsEventStream(RouteEndpoint e) => e.RoutePattern.RawText!.TrimEnd('/').EndsWith("/events", StringComparison.Ordinal);

    /// <summary>Never a 500; every 4xx a problem+json with a traceId and the security headers.</summary>
    private static async Task CheckError(HttpResponseMessage response, string what, List<string> failures)
    {
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (status >= 500 || (status >= 400 && mediaType != "application/problem+json"))
        {
            failures.Add($"{what} → {status} {mediaType}");
        }
        else if (status >= 400 && (!response.Headers.Contains("X-Content-Type-Options") || !(await response.Content.ReadAsStringAsync()).Contains("\"traceId\"")))
        {
            failures.Add($"{what} → {status} without the security headers or a traceId");
        }
    }

    private static readonly string[] HostileQueries =
    [
        "?limit=-1&cursor=not-a-cursor",
        "?limit=abc&cursor=%00%ff",
        "?limit=99999999999999999999",
        "?from=yesterday&to=2026-13-45&action=%00&actorId=nope&accountId=1",
        "?cursor=" + new string('z', 4000),
    ];

    [Fact]
    public async Task Every_read_endpoint_answers_hostile_query_strings_with_4xx_problems_never_500()
    {
        var owner = await Owner();
        var admin = await Admin();
        var reads = Endpoints("GET").Where(e => !e.Endpoint.RoutePattern.RawText!.StartsWith("/scalar", StringComparison.Ordinal) && !IsEventStream(e.Endpoint)).ToArray();
        Assert.Contains(reads, e => e.Endpoint.RoutePattern.RawText == "/api/admin/audit");
        var failures = new List<string>();

        foreach (var (_, endpoint) in reads)
        {
            var id = IsTenantRoute(endpoint) ? await CreateOwnedBy(endpoint.RoutePattern.RawText!, owner.Token) : Guid.NewGuid();
            foreach (var token in new[] { owner.Token, admin })
            {
                foreach (var query in HostileQueries)
                {
                    var response = await _client.SendAs(HttpMethod.Get, Path(endpoint, id) + query, token);
                    await CheckError(response, $"GET {endpoint.RoutePattern.RawText}{query[..Math.Min(query.Length, 40)]}", failures);
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>
    /// How to create an object of account A for each tenant-owned route (a route with an id, outside /api/admin).
    /// A new tenant-owned route must be added here, or the coverage check below fails.
    /// </summary>
    private async Task<Guid> CreateOwnedBy(string route, string ownerToken)
    {
        switch (route)
        {
            case "/api/account/operators/{id:guid}":
                var request = new HttpRequestMessage(HttpMethod.Post, "/api/account/operators")
                {
                    Content = JsonContent.Create(new { email = $"op.{Guid.NewGuid():N}@example.com", name = "Op", password = Password }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
                var response = await _client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            case "/api/assistants/{id:guid}":
            case "/api/assistants/{id:guid}/ask":
            case "/api/assistants/{id:guid}/documents":
            case "/api/assistants/{id:guid}/search":
                var create = new HttpRequestMessage(HttpMethod.Post, "/api/assistants")
                {
                    Content = JsonContent.Create(new { name = "Tenant A's assistant", systemPrompt = "secret prompt" }),
                };
                create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
                var created = await _client.SendAsync(create);
                Assert.Equal(HttpStatusCode.Created, created.StatusCode);
                return JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            case "/api/bots/{id:guid}":
            case "/api/bots/{id:guid}/start":
            case "/api/bots/{id:guid}/stop":
                var assistantId = await CreateOwnedBy("/api/assistants/{id:guid}", ownerToken);
                var connect = new HttpRequestMessage(HttpMethod.Post, "/api/bots")
                {
                    Content = JsonContent.Create(new { assistantId, token = _app.Telegram.AddBot("tenant_a_bot") }),
                };
                connect.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
                var connected = await _client.SendAsync(connect);
                Assert.Equal(HttpStatusCode.Created, connected.StatusCode);
                return JsonDocument.Parse(await connected.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            case "/api/dialogs/{id:guid}":
            case "/api/dialogs/{id:guid}/takeover":
            case "/api/dialogs/{id:guid}/release":
            case "/api/dialogs/{id:guid}/close":
            case "/api/dialogs/{id:guid}/messages":
            case "/api/dialogs/{id:guid}/events":
            case "/api/dialogs/{id:guid}/notes":
                // A widget visitor's dialog with the owner's assistant.
                var shop = "https://shop.example.com";
                var widgetAssistant = new HttpRequestMessage(HttpMethod.Post, "/api/assistants")
                {
                    Content = JsonContent.Create(new { name = "Widget assistant", systemPrompt = "x", widget = new { allowedOrigins = new[] { shop } } }),
                };
                widgetAssistant.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
                var withWidget = await _client.SendAsync(widgetAssistant);
                Assert.Equal(HttpStatusCode.Created, withWidget.StatusCode);
                var session = new HttpRequestMessage(HttpMethod.Post,
                    $"/api/widget/{JsonDocument.Parse(await withWidget.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid()}/sessions");
                session.Headers.Add("Origin", shop);
                var opened = await _client.SendAsync(session);
                Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
                return JsonDocument.Parse(await opened.Content.ReadAsStringAsync()).RootElement.GetProperty("dialogId").GetGuid();
            case "/api/documents/{id:guid}":
                var assistant = await CreateOwnedBy("/api/assistants/{id:guid}", ownerToken);
                var form = new MultipartFormDataContent { { new ByteArrayContent("Доставка занимает один день."u8.ToArray()), "file", "faq.txt" } };
                var upload = new HttpRequestMessage(HttpMethod.Post, $"/api/assistants/{assistant}/documents") { Content = form };
                upload.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
                var uploaded = await _client.SendAsync(upload);
                Assert.Equal(HttpStatusCode.Accepted, uploaded.StatusCode);
                var documentId = JsonDocument.Parse(await uploaded.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
                // Processed before the checks compare snapshots, so only a foreign write could change it.
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (JsonDocument.Parse(await OwnerGet($"/api/documents/{documentId}", ownerToken)).RootElement.GetProperty("status").GetString() == "processing")
                {
                    Assert.True(DateTime.UtcNow < deadline, "the document did not leave processing");
                    await Task.Delay(100);
                }
                return documentId;
            case "/api/canned-responses/{id:guid}":
                var canned = new HttpRequestMessage(HttpMethod.Post, "/api/canned-responses")
                {
                    Content = JsonContent.Create(new { shortcut = "hi" + Guid.NewGuid().ToString("N")[..6], text = "Hello! How can I help?" }),
                };
                canned.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ownerToken);
                var cannedCreated = await _client.SendAsync(canned);
                Assert.Equal(HttpStatusCode.Created, cannedCreated.StatusCode);
                return JsonDocument.Parse(await cannedCreated.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
            default:
                throw new InvalidOperationException($"No cross-tenant case for {route}: add one to {nameof(CreateOwnedBy)}.");
        }
    }

    [Fact]
    public async Task Every_tenant_owned_route_refuses_a_caller_from_another_account()
    {
        var tenantRoutes = Endpoints("GET", "POST", "PUT", "PATCH", "DELETE").Where(e => IsTenantRoute(e.Endpoint)).ToArray();
        Assert.NotEmpty(tenantRoutes);

        foreach (var (method, endpoint) in tenantRoutes)
        {
            var a = await Owner();
            var b = await Owner();
            var id = await CreateOwnedBy(endpoint.RoutePattern.RawText!, a.Token);

            var request = new HttpRequestMessage(new HttpMethod(method), Path(endpoint, id));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", b.Token);
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = JsonContent.Create(new { text = "hello", query = "hello", enabled = false, name = "stolen", token = "1234567:AAstolenstolenstolenstolenstolen" });
            }
            var before = await Snapshot(endpoint.RoutePattern.RawText!, id, a.Token);
            var response = await _client.SendAsync(request);

            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden,
                $"{method} {endpoint.RoutePattern.RawText} from another account answered {(int)response.StatusCode}");
            Assert.Equal(before, await Snapshot(endpoint.RoutePattern.RawText!, id, a.Token));
        }
    }

    /// <summary>The group a route belongs to (its list route), e.g. /api/bots for /api/bots/{id:guid}/start.</summary>
    private static string Group(string route) => route.StartsWith("/api/account/operators", StringComparison.Ordinal)
        ? "/api/account/operators"
        : "/" + string.Join('/', route.Trim('/').Split('/').Take(2));

    private async Task<string> OwnerGet(string path, string token)
    {
        var response = await _client.SendAs(HttpMethod.Get, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// What the owner sees of the object behind <paramref name="route"/> (or of the route's list when it has no id),
    /// without what changes by itself (a bot's start-up: starting, then running).
    /// </summary>
    private async Task<string> Snapshot(string route, Guid? id, string ownerToken)
    {
        var group = Group(route);
        if (id is null || group == "/api/account/operators")
        {
            var list = await OwnerGet(group, ownerToken);
            return group == "/api/bots" ? System.Text.RegularExpressions.Regex.Replace(list, "\"status\":\"(starting|running)\"", "\"status\":\"on\"") : list;
        }
        var item = JsonDocument.Parse(await OwnerGet($"{group}/{id}", ownerToken)).RootElement;
        return group == "/api/bots"
            ? $"{item.GetProperty("username")} {item.GetProperty("assistantId")} {(item.GetProperty("status").GetString() is "starting" or "running" ? "on" : item.GetProperty("status").GetString())}"
            : item.GetRawText();
    }

    private async Task<string> OperatorOf(string ownerToken)
    {
        var email = $"op.{Guid.NewGuid():N}@example.com";
        var invited = await _client.SendAs(HttpMethod.Post, "/api/account/operators", ownerToken, new { email, name = "Op", password = Password });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var login = await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return JsonDocument.Parse(await login.Content.ReadAsStringAsync()).RootElement.GetProperty("accessToken").GetString()!;
    }

    [Fact]
    public async Task Every_owner_only_route_refuses_an_operator_of_the_same_account_and_changes_nothing()
    {
        // Owners' business: assistants, bots and the team. Operators answer dialogs; they never reach these.
        string[] ownersBusiness = ["/api/assistants", "/api/bots", "/api/account/operators"];
        var ownerOnly = Endpoints("GET", "POST", "PUT", "PATCH", "DELETE")
            .Where(e => ownersBusiness.Any(prefix => e.Endpoint.RoutePattern.RawText!.StartsWith(prefix, StringComparison.Ordinal))
                || e.Endpoint.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
                    .Any(a => a.Policy == ReplyX.Api.Accounts.OperatorsApi.OwnerPolicy))
            .ToArray();
        Assert.Contains(ownerOnly, e => e.Endpoint.RoutePattern.RawText == "/api/bots/{id:guid}");

        foreach (var (method, endpoint) in ownerOnly)
        {
            var owner = await Owner();
            var operatorToken = await OperatorOf(owner.Token);
            var route = endpoint.RoutePattern.RawText!;
            Guid? id = endpoint.RoutePattern.Parameters.Count > 0 ? await CreateOwnedBy(route, owner.Token) : null;
            var before = await Snapshot(route, id, owner.Token);

            var request = new HttpRequestMessage(new HttpMethod(method), Path(endpoint, id ?? Guid.Empty));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorToken);
            if (method is "POST" or "PUT" or "PATCH")
            {
                request.Content = JsonContent.Create(new { name = "by operator", systemPrompt = "x", email = $"x.{Guid.NewGuid():N}@example.com", password = Password, text = "hi", token = "1234567:AAstolenstolenstolenstolenstolen" });
            }
            var response = await _client.SendAsync(request);

            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {route} as an operator answered {(int)response.StatusCode}");
            Assert.Equal(before, await Snapshot(route, id, owner.Token));
        }
    }

    [Fact]
    public async Task Every_route_of_the_openapi_document_is_one_the_batteries_probe()
    {
        using var document = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));
        var probed = Endpoints("GET", "POST", "PUT", "PATCH", "DELETE")
            .Select(e => (e.Method, Route: System.Text.RegularExpressions.Regex.Replace("/" + e.Endpoint.RoutePattern.RawText!.Trim('/'), "\\{([^}:?]+)[^}]*\\}", "{$1}")))
            .ToHashSet();

        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Method: operation.Name.ToUpperInvariant(), Route: "/" + path.Name.Trim('/'))))
            .ToArray();

        Assert.NotEmpty(documented);
        var missing = documented.Where(d => !probed.Contains(d)).ToArray();
        Assert.True(missing.Length == 0, "documented but not probed: " + string.Join(", ", missing.Select(m => $"{m.Method} {m.Route}")));
    }
}
