using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using ReplyX.Fakes;

namespace ReplyX.Cluster.Tests;

/// <summary>
/// The web app and the widget in headless Chromium (tests/ReplyX.Browser/run.mjs, playwright-core): a shop page
/// embeds /widget.js, a visitor chats and sees the answer stream in, an operator signs in to the desk, sees the
/// handoff arrive live, takes over and replies, and the visitor sees it; the host page's styles stay untouched;
/// axe-core finds no serious violation. Screenshots are kept in artifacts/browser/. The balance pages
/// (tests/ReplyX.Browser/billing.mjs) run against a fake YooKassa on a host of their own.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    private const string Model = "browser-model";
    private const string ApiKey = "sk-browser-tests";
    private const string AdminEmail = "admin@browser.test";
    private const string AdminPassword = "admin password for browser tests";

    [Fact]
    public async Task A_visitor_chats_in_the_widget_and_an_operator_takes_over_from_the_desk()
    {
        await using var model = await FakeOpenAi.StartAsync();
        model.For(ApiKey).DeltaInterval = TimeSpan.FromMilliseconds(300); // a model that writes word by word

        await using var host = HostProcess.Start(HostProcess.SiloDll, "browser", HostEnvironment(model));
        await host.WaitHealthy(TimeSpan.FromSeconds(60));

        await using var shop = await ShopPage.Start(host.BaseAddress);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var (operatorEmail, operatorPassword, ownerEmail) = await SetUp(http, shop.Origin, shop);

        var root = HostProcess.RepositoryRoot();
        var artifacts = Path.Combine(root, "artifacts", "browser");
        var runner = Path.Combine(root, "tests", "ReplyX.Browser");
        await Npm(runner, "ci --no-audit --no-fund", output);
        var (exit, log) = await Run("node", "run.mjs", runner, new Dictionary<string, string>
        {
            ["REPLYX_URL"] = host.BaseAddress.ToString().TrimEnd('/'),
            ["SHOP_URL"] = shop.Origin + "/",
            ["OPERATOR_EMAIL"] = operatorEmail,
            ["OPERATOR_PASSWORD"] = operatorPassword,
            ["OWNER_EMAIL"] = ownerEmail,
            ["OWNER_PASSWORD"] = OwnerPassword,
            ["ASSISTANT_ID"] = shop.AssistantId.ToString(),
            ["ARTIFACTS"] = artifacts,
        }, TimeSpan.FromMinutes(4));
        output.WriteLine(log);

        Assert.True(exit == 0, "browser checks failed:\n" + log + "\n--- host ---\n" + host.Output);
        Assert.True(File.Exists(Path.Combine(artifacts, "desk.png")) && File.Exists(Path.Combine(artifacts, "widget.png"))
            && File.Exists(Path.Combine(artifacts, "documents.png")), "screenshots missing");
    }

    /// <summary>An embedded host (its own ports), the configured admin and the fake model as its AI provider.</summary>
    private static Dictionary<string, string> HostEnvironment(FakeOpenAi model) => new()
    {
        ["Cluster__SiloPort"] = HostProcess.FreePort().ToString(),
        ["Cluster__GatewayPort"] = HostProcess.FreePort().ToString(),
        ["Admin__Email"] = AdminEmail,
        ["Admin__Password"] = AdminPassword,
        ["Ai__Providers__0__Name"] = "fake",
        ["Ai__Providers__0__Kind"] = "custom",
        ["Ai__Providers__0__BaseUrl"] = model.BaseUrl,
        ["Ai__Providers__0__ApiKey"] = ApiKey,
        ["Ai__Providers__0__Models__0"] = Model,
    };

    private const string WelcomeCredit = "10";
    private const int TopUpRoubles = 500;
    private const int PromoRoubles = 150;

    [Fact]
    public async Task An_owner_tops_up_through_YooKassa_and_redeems_a_promo_code_and_an_admin_sees_prices_and_codes()
    {
        await using var yookassa = await FakeYooKassa.StartAsync();
        var port = HostProcess.FreePort();
        var environment = new Dictionary<string, string>
        {
            ["Cluster__SiloPort"] = HostProcess.FreePort().ToString(),
            ["Cluster__GatewayPort"] = HostProcess.FreePort().ToString(),
            ["Admin__Email"] = AdminEmail,
            ["Admin__Password"] = AdminPassword,
            ["Billing__Enabled"] = "true",
            ["Billing__WelcomeCredit"] = WelcomeCredit,
            ["Billing__YooKassa__ShopId"] = yookassa.ShopId,
            ["Billing__YooKassa__SecretKey"] = yookassa.SecretKey,
            ["Billing__YooKassa__BaseUrl"] = yookassa.BaseUrl,
            // YooKassa sends the payer back here; the page knows the payment it started (no id comes back).
            ["Billing__YooKassa__ReturnUrl"] = $"http://127.0.0.1:{port}/balance",
        };
        await using var host = HostProcess.Start(HostProcess.SiloDll, "browser-billing", environment, port);
        await host.WaitHealthy(TimeSpan.FromSeconds(60));
        yookassa.WebhookUrl = new Uri(host.BaseAddress, "/api/payments/yookassa/webhook").ToString();

        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        var ownerEmail = $"payer.{Guid.NewGuid():N}@browser.test";
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/auth/register", new { email = ownerEmail, password = OwnerPassword, name = "Paying owner" })).StatusCode);
        var login = await http.PostAsJsonAsync("/api/auth/login", new { email = AdminEmail, password = AdminPassword });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var adminToken = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        var code = "BROWSER-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var created = await Send(http, HttpMethod.Post, "/api/admin/promo-codes", adminToken, new { code, amount = PromoRoubles.ToString(), maxUses = 5 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var root = HostProcess.RepositoryRoot();
        var artifacts = Path.Combine(root, "artifacts", "browser");
        Directory.CreateDirectory(artifacts);
        foreach (var name in BillingScreenshots)
        {
            File.Delete(Path.Combine(artifacts, name)); // this run's, not an earlier one's
        }
        var runner = Path.Combine(root, "tests", "ReplyX.Browser");
        await Npm(runner, "ci --no-audit --no-fund", output);
        var (exit, log) = await Run("node", "billing.mjs", runner, new Dictionary<string, string>
        {
            ["REPLYX_URL"] = host.BaseAddress.ToString().TrimEnd('/'),
            ["YOOKASSA_URL"] = yookassa.Root,
            ["OWNER_EMAIL"] = ownerEmail,
            ["OWNER_PASSWORD"] = OwnerPassword,
            ["ADMIN_EMAIL"] = AdminEmail,
            ["ADMIN_PASSWORD"] = AdminPassword,
            ["PROMO_CODE"] = code,
            ["PROMO_AMOUNT"] = PromoRoubles.ToString(),
            ["WELCOME_CREDIT"] = WelcomeCredit,
            ["TOPUP_AMOUNT"] = TopUpRoubles.ToString(),
            ["ARTIFACTS"] = artifacts,
        }, TimeSpan.FromMinutes(3));
        output.WriteLine(log);

        Assert.True(exit == 0, "browser checks failed:\n" + log + "\n--- host ---\n" + host.Output);
        Assert.True(BillingScreenshots.All(name => File.Exists(Path.Combine(artifacts, name))), "screenshots missing");
        // What the browser did, as the gateway saw it: the payment of the amount, paid, and one left unpaid.
        var paid = Assert.Single(yookassa.Payments.Values, p => p.Status == "succeeded");
        Assert.Equal($"{TopUpRoubles}.00", paid.Value);
        Assert.Equal("1000.00", Assert.Single(yookassa.Payments.Values, p => p.Status != "succeeded").Value);
    }

    private static readonly string[] BillingScreenshots = ["balance.png", "admin-prices.png", "admin-promo.png"];

    /// <summary>The main pages the journey screenshots in each language (tests/ReplyX.Browser/journey.mjs names them so).</summary>
    private static readonly string[] JourneyPages =
        ["start", "assistants", "assistant", "documents", "bots", "desk", "operators", "usage", "balance", "settings",
         "admin-overview", "admin-users", "admin-ai-keys", "admin-bots", "admin-cluster", "admin-audit", "login", "signup"];

    [Fact]
    public async Task The_whole_journey_from_sign_up_to_the_admin_and_the_orleans_dashboard()
    {
        await using var model = await FakeOpenAi.StartAsync();
        await using var telegram = await FakeTelegram.StartAsync();
        var botToken = telegram.AddBot("journey_shop_bot");
        var environment = HostEnvironment(model);
        environment["Telegram__ApiBaseUrl"] = telegram.BaseUrl;
        environment["Telegram__PollTimeout"] = "00:00:02";
        // One browser opens some fifty pages a minute from one address, each restoring its session at /api/auth/refresh;
        // the per-address limit on /api/auth (30 a minute by default) has its own tests.
        environment["RateLimits__AuthPerMinute"] = "1000";
        await using var host = HostProcess.Start(HostProcess.SiloDll, "browser-journey", environment);
        await host.WaitHealthy(TimeSpan.FromSeconds(60));
        await using var shop = await ShopPage.Start(host.BaseAddress);

        var root = HostProcess.RepositoryRoot();
        var artifacts = Path.Combine(root, "artifacts", "browser");
        Directory.CreateDirectory(artifacts);
        var expected = JourneyPages.SelectMany(p => new[] { $"journey-{p}-en.png", $"journey-{p}-ru.png", $"journey-{p}-phone.png" }).Append("orleans-dashboard.png").ToArray();
        foreach (var name in expected)
        {
            File.Delete(Path.Combine(artifacts, name));
        }
        var document = Path.Combine(artifacts, "journey-delivery.md");
        await File.WriteAllTextAsync(document,
            "# Delivery\n\nWe deliver flowers across the city within two hours, every day from 8:00 to 22:00.\n\n" +
            "# Returns\n\nA bouquet that arrives damaged is replaced free of charge on the same day.\n");
        var runner = Path.Combine(root, "tests", "ReplyX.Browser");
        await Npm(runner, "ci --no-audit --no-fund", output);
        var (exit, log) = await Run("node", "journey.mjs", runner, new Dictionary<string, string>
        {
            ["REPLYX_URL"] = host.BaseAddress.ToString().TrimEnd('/'),
            ["SHOP_URL"] = shop.Origin,
            ["ADMIN_EMAIL"] = AdminEmail,
            ["ADMIN_PASSWORD"] = AdminPassword,
            ["MODEL"] = Model,
            ["BOT_TOKEN"] = botToken,
            ["DOCUMENT"] = document,
            ["PAGES"] = string.Join(",", JourneyPages),
            ["ARTIFACTS"] = artifacts,
        }, TimeSpan.FromMinutes(6));
        output.WriteLine(log);

        Assert.True(exit == 0, "browser checks failed:\n" + log + "\n--- host ---\n" + host.Output);
        var missing = expected.Where(name => !File.Exists(Path.Combine(artifacts, name))).ToArray();
        Assert.True(missing.Length == 0, "screenshots missing: " + string.Join(", ", missing));
        // The bot the owner connected in the browser really talks to the Bot API: getMe checked its token, and it polls.
        Assert.True(telegram.Polls(botToken) > 0 || telegram.WebhookOf(botToken).Url is not null, "the connected bot never reached the Bot API");
        Assert.True(model.ServedTo(ApiKey).Count >= 1, "the visitor's question never reached the model");
    }

    /// <summary>An owner with an assistant whose widget allows the shop, and an operator of that account.</summary>
    private const string OwnerPassword = "owner password 1234";

    private static async Task<(string Email, string Password, string OwnerEmail)> SetUp(HttpClient http, string shopOrigin, ShopPage shop)
    {
        var ownerEmail = $"owner.{Guid.NewGuid():N}@browser.test";
        var owner = await (await http.PostAsJsonAsync("/api/auth/register",
            new { email = ownerEmail, password = OwnerPassword, name = "Shop owner" })).Content.ReadFromJsonAsync<JsonElement>();
        var token = owner.GetProperty("accessToken").GetString();
        var created = await Send(http, HttpMethod.Post, "/api/assistants", token, new
        {
            name = "Shop help",
            systemPrompt = "Be brief.",
            model = Model,
            language = "en",
            widget = new { allowedOrigins = new[] { shopOrigin }, greeting = "Hi! Ask me anything.", color = "#1e6fd9", position = "bottom-right" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        shop.AssistantId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var email = $"anna.{Guid.NewGuid():N}@browser.test";
        const string password = "operator password 1234";
        Assert.Equal(HttpStatusCode.Created, (await Send(http, HttpMethod.Post, "/api/account/operators", token, new { email, name = "Anna", password })).StatusCode);
        return (email, password, ownerEmail);
    }

    private static Task<HttpResponseMessage> Send(HttpClient http, HttpMethod method, string path, string? token, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    private static async Task Npm(string directory, string arguments, ITestOutputHelper output)
    {
        if (File.Exists(Path.Combine(directory, "node_modules", ".package-lock.json"))
            && File.GetLastWriteTimeUtc(Path.Combine(directory, "node_modules", ".package-lock.json")) >= File.GetLastWriteTimeUtc(Path.Combine(directory, "package-lock.json")))
        {
            return; // installed from this lock already
        }
        var (exit, log) = await Run("npm", arguments, directory, new Dictionary<string, string>(), TimeSpan.FromMinutes(3));
        output.WriteLine(log);
        Assert.True(exit == 0, "npm " + arguments + " failed:\n" + log);
    }

    private static async Task<(int Exit, string Log)> Run(string file, string arguments, string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {arguments} did not finish within {timeout}:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A shop's page on its own origin, with page styles that would leak into a widget without a shadow root.</summary>
    private sealed class ShopPage : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ShopPage(WebApplication app, string origin)
        {
            _app = app;
            Origin = origin;
        }

        public string Origin { get; }
        public Guid AssistantId { get; set; }

        public static async Task<ShopPage> Start(Uri replyx)
        {
            var port = HostProcess.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            var page = new ShopPage(app, $"http://127.0.0.1:{port}");
            // The owner's copy-paste snippet, as the assistant editor shows it, on a page of its own (the journey).
            app.MapGet("/embed", (string snippet) => Results.Content($$"""
                <!doctype html>
                <html lang="en">
                <head><meta charset="utf-8"><title>Flower shop</title></head>
                <body><main><h1>Flower shop</h1><p>Fresh bouquets every day.</p></main>
                {{snippet}}
                </body>
                </html>
                """, "text/html; charset=utf-8"));
            app.MapGet("/", (HttpContext _) => Results.Content($$"""
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>Demo shop</title>
                  <style>
                    body { font-family: serif; }
                    p { color: rgb(0, 128, 0); }
                    button { background: rgb(255, 0, 0) !important; color: black; }
                    div { border: 3px solid blue; }
                  </style>
                </head>
                <body>
                  <main>
                    <h1>Demo shop</h1>
                    <p id="host-text">Welcome to our shop.</p>
                    <button id="host-button" type="button">Buy</button>
                  </main>
                  <script src="{{replyx.ToString().TrimEnd('/')}}/widget.js" data-assistant="{{page.AssistantId}}"></script>
                </body>
                </html>
                """, "text/html; charset=utf-8"));
            await app.StartAsync();
            return page;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
