using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
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
/// YooKassa's payments API on 127.0.0.1 (v3): creating a payment (Basic auth with the shop id and secret key, an
/// Idempotence-Key that returns the first payment again), reading payments and refunds, a confirmation page the
/// payer "pays" on, and the notifications YooKassa sends to the shop's webhook. Its bad days: 401 for a wrong
/// key, 400 without an Idempotence-Key, 500 on demand, notifications sent twice and out of order.
/// </summary>
public sealed class FakeYooKassa : IAsyncDisposable
{
    public sealed class Payment
    {
        public required string Id { get; init; }
        public required string Value { get; init; }
        public required string ReturnUrl { get; init; }
        public required JsonObject Metadata { get; init; }
        public string Status { get; set; } = "pending";
        public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    }

    public sealed record Refund(string Id, string PaymentId, string Value, string Status);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Payment> _byKey = new();

    public ConcurrentDictionary<string, Payment> Payments { get; } = new();
    public ConcurrentDictionary<string, Refund> Refunds { get; } = new();

    /// <summary>Every request's method and path, in arrival order.</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public string ShopId { get; } = "123456";
    public string SecretKey { get; } = "test_secret_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Every call answers 500 while set.</summary>
    public bool Failing { get; set; }

    /// <summary>Where notifications go (the shop's webhook URL); none are sent when unset.</summary>
    public string? WebhookUrl { get; set; }

    public string BaseUrl { get; }
    public string Root { get; }

    private FakeYooKassa(WebApplication app, string root)
    {
        _app = app;
        Root = root;
        BaseUrl = root + "/v3";
    }

    public static async Task<FakeYooKassa> StartAsync()
    {
        FakeYooKassa? fake = null;
        var (app, root) = await FakeServer.StartAsync(app =>
        {
            app.MapPost("/v3/payments", (Func<HttpContext, Task<IResult>>)(http => fake!.Create(http)));
            app.MapGet("/v3/payments/{id}", (string id, HttpContext http) => fake!.Read(http, id));
            app.MapGet("/v3/refunds/{id}", (string id, HttpContext http) => fake!.ReadRefund(http, id));
            app.MapGet("/checkout/{id}", (string id) => fake!.Checkout(id));
            app.MapPost("/checkout/{id}/pay", (string id) => fake!.PayFromPage(id));
        });
        fake = new FakeYooKassa(app, root);
        return fake;
    }

    private bool Authorized(HttpContext http)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ShopId}:{SecretKey}"));
        return http.Request.Headers.Authorization.ToString() == expected;
    }

    private async Task<IResult?> Refuse(HttpContext http, string call)
    {
        Calls.Enqueue(call);
        if (Failing)
        {
            return Results.Json(new { type = "error", code = "internal_server_error", description = "Internal server error" }, statusCode: 500);
        }
        await Task.CompletedTask;
        return Authorized(http) ? null : Results.Json(new { type = "error", code = "invalid_credentials", description = "Wrong shop id or secret key" }, statusCode: 401);
    }

    private async Task<IResult> Create(HttpContext http)
    {
        if (await Refuse(http, "POST /v3/payments") is { } refused)
        {
            return refused;
        }
        var key = http.Request.Headers["Idempotence-Key"].ToString();
        if (key.Length == 0)
        {
            return Results.Json(new { type = "error", code = "invalid_request", description = "Idempotence-Key header is required" }, statusCode: 400);
        }
        var body = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        var payment = _byKey.GetOrAdd(key, _ => new Payment
        {
            Id = Guid.NewGuid().ToString(),
            Value = body["amount"]!["value"]!.GetValue<string>(),
            ReturnUrl = body["confirmation"]!["return_url"]!.GetValue<string>(),
            Metadata = body["metadata"]?.AsObject().DeepClone().AsObject() ?? [],
        });
        Payments.TryAdd(payment.Id, payment);
        return Results.Json(Json(payment));
    }

    private async Task<IResult> Read(HttpContext http, string id)
    {
        if (await Refuse(http, $"GET /v3/payments/{id}") is { } refused)
        {
            return refused;
        }
        return Payments.TryGetValue(id, out var payment)
            ? Results.Json(Json(payment))
            : Results.Json(new { type = "error", code = "not_found", description = "Payment not found" }, statusCode: 404);
    }

    private async Task<IResult> ReadRefund(HttpContext http, string id)
    {
        if (await Refuse(http, $"GET /v3/refunds/{id}") is { } refused)
        {
            return refused;
        }
        return Refunds.TryGetValue(id, out var r)
            ? Results.Json(new { id = r.Id, payment_id = r.PaymentId, status = r.Status, amount = new { value = r.Value, currency = "RUB" } })
            : Results.Json(new { type = "error", code = "not_found", description = "Refund not found" }, statusCode: 404);
    }

    private JsonObject Json(Payment p) => new()
    {
        ["id"] = p.Id,
        ["status"] = p.Status,
        ["paid"] = p.Status == "succeeded",
        ["amount"] = new JsonObject { ["value"] = p.Value, ["currency"] = "RUB" },
        ["confirmation"] = new JsonObject { ["type"] = "redirect", ["confirmation_url"] = $"{Root}/checkout/{p.Id}" },
        ["created_at"] = p.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        ["metadata"] = p.Metadata.DeepClone(),
        ["test"] = true,
    };

    /// <summary>The page the payer is sent to: the amount and a "Pay" button.</summary>
    private IResult Checkout(string id) => Payments.TryGetValue(id, out var p)
        ? Results.Content($"""
            <!doctype html><html lang="ru"><head><meta charset="utf-8"><title>ЮKassa (fake)</title></head>
            <body><main><h1>Оплата {p.Value} ₽</h1>
            <form method="post" action="/checkout/{p.Id}/pay"><button type="submit">Оплатить</button></form></main></body></html>
            """, "text/html; charset=utf-8")
        : Results.NotFound();

    private async Task<IResult> PayFromPage(string id)
    {
        if (!Payments.ContainsKey(id))
        {
            return Results.NotFound();
        }
        await Succeed(id);
        return Results.Redirect(Payments[id].ReturnUrl);
    }

    /// <summary>The payer paid: the payment succeeds and the shop is notified (twice, as YooKassa may).</summary>
    public async Task Succeed(string paymentId, bool notifyTwice = true)
    {
        var payment = Payments[paymentId];
        payment.Status = "succeeded";
        await Notify("payment.succeeded", Json(payment));
        if (notifyTwice)
        {
            await Notify("payment.succeeded", Json(payment));
        }
    }

    /// <summary>A refund of <paramref name="value"/> roubles ("12.00") of a succeeded payment, notified to the shop.</summary>
    public async Task<string> RefundPayment(string paymentId, string value)
    {
        var refund = new Refund(Guid.NewGuid().ToString(), paymentId, value, "succeeded");
        Refunds[refund.Id] = refund;
        await Notify("refund.succeeded", RefundJson(refund));
        return refund.Id;
    }

    private static JsonObject RefundJson(Refund r) => new()
    {
        ["id"] = r.Id, ["payment_id"] = r.PaymentId, ["status"] = r.Status, ["amount"] = new JsonObject { ["value"] = r.Value, ["currency"] = "RUB" },
    };

    /// <summary>The body of the notification YooKassa would send about a refund.</summary>
    public string RefundNotification(string refundId) =>
        new JsonObject { ["type"] = "notification", ["event"] = "refund.succeeded", ["object"] = RefundJson(Refunds[refundId]) }.ToJsonString();

    /// <summary>The body of the notification YooKassa would send about a payment, as it stands now.</summary>
    public string PaymentNotification(string @event, string paymentId) =>
        new JsonObject { ["type"] = "notification", ["event"] = @event, ["object"] = Json(Payments[paymentId]) }.ToJsonString();

    /// <summary>Sends a notification to the shop's webhook as YooKassa does (no signature: the shop must ask back).</summary>
    public async Task<int> Notify(string @event, JsonObject @object)
    {
        if (WebhookUrl is null)
        {
            return 0;
        }
        using var client = new HttpClient();
        var body = new JsonObject { ["type"] = "notification", ["event"] = @event, ["object"] = @object };
        using var response = await client.PostAsync(WebhookUrl, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return (int)response.StatusCode;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
