using System.Net;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

/// <summary>The embedded default over HTTP: health, metrics, OpenAPI and the web UI.</summary>
public sealed class OperationsEndpointsTests : IClassFixture<OperationsEndpointsTests.EmbeddedApp>
{
    public sealed class EmbeddedApp : IAsyncLifetime
    {
        public ReplyXAppFactory Factory { get; } = new();
        public HttpClient Client { get; private set; } = null!;

        public Task InitializeAsync()
        {
            Client = Factory.CreateClient();
            return Task.CompletedTask;
        }

        public async Task DisposeAsync() => await Factory.DisposeAsync();
    }

    private readonly HttpClient _client;
    private readonly EmbeddedApp _app;

    public OperationsEndpointsTests(EmbeddedApp app)
    {
        _app = app;
        _client = app.Client;
    }

    [Fact]
    public async Task Health_reports_the_cluster_and_only_configured_components()
    {
        var response = await _client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var components = json.RootElement.GetProperty("components");
        Assert.Equal("Healthy", components.GetProperty("orleans").GetProperty("status").GetString());
        Assert.Equal(1, components.GetProperty("orleans").GetProperty("data").GetProperty("activeSilos").GetInt32());
        Assert.False(components.TryGetProperty("postgres", out _), "memory mode has no PostgreSQL to check");
        Assert.False(components.TryGetProperty("redis", out _), "localhost clustering has no Redis to check");
    }

    [Fact]
    public async Task Liveness_runs_no_dependency_check_and_readiness_checks_the_cluster()
    {
        var live = await _client.GetAsync("/health/live");
        var ready = await _client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var liveJson = JsonDocument.Parse(await live.Content.ReadAsStringAsync());
        Assert.Empty(liveJson.RootElement.GetProperty("components").EnumerateObject());

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var readyJson = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.True(readyJson.RootElement.GetProperty("components").TryGetProperty("orleans", out _));
    }

    [Fact]
    public async Task Metrics_include_orleans_meters_and_http_requests()
    {
        await _client.GetAsync("/health");

        var context = await _app.Factory.GetFrom("/metrics", "127.0.0.1");
        Assert.Equal(200, context.Response.StatusCode);
        var text = await new StreamReader(context.Response.Body).ReadToEndAsync();

        Assert.Contains("microsoft_orleans_", text);
        Assert.Contains("http_requests_received_total", text);
        Assert.Contains("process_cpu_seconds_total", text);
    }

    [Fact]
    public async Task OpenApi_document_and_browsable_reference_are_served_in_development()
    {
        using var doc = JsonDocument.Parse(await _client.GetStringAsync("/openapi/v1.json"));
        Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString());
        Assert.True(doc.RootElement.TryGetProperty("paths", out _));

        var ui = await _client.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Equal("text/html", ui.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Web_ui_is_served_at_the_root_in_russian_and_english()
    {
        var index = await _client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        var html = await index.Content.ReadAsStringAsync();
        Assert.Contains("<title>ReplyX</title>", html);

        // The scripts the page loads up front (the entry and the chunks it preloads; names are hashed) carry both
        // languages: the translations may sit in a chunk shared with the lazily loaded pages.
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "(?:src|href)=\"(/assets/[^\"]+\\.js)\"").Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(scripts);
        var code = "";
        foreach (var path in scripts)
        {
            var script = await _client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            // esbuild may write non-ASCII text as \uXXXX escapes.
            code += System.Text.RegularExpressions.Regex.Replace(await script.Content.ReadAsStringAsync(), @"\\u([0-9a-fA-F]{4})",
                m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());
        }
        Assert.Contains("Войти", code);
        Assert.Contains("Sign in", code);

        var widget = await _client.GetAsync("/widget.js");
        Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
        Assert.Contains("javascript", widget.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Unknown_path_is_a_problem_details_404()
    {
        var response = await _client.GetAsync("/api/no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(404, problem.RootElement.GetProperty("status").GetInt32());
    }
}
