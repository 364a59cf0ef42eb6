using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class InMemoryBillingApiTests(MemoryApp app) : BillingApiContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresBillingApiTests(PostgresApp app) : BillingApiContract(app), IClassFixture<PostgresApp>;

/// <summary>The balance, its ledger and limits, and the admin's manual credit and debit, through HTTP on each store.</summary>
public abstract class BillingApiContract(AppFixture app)
{
    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null) => _client.SendAs(method, path, token, body);

    private async Task<string> AdminToken()
    {
        var response = await Send(HttpMethod.Post, "/api/auth/login", null, new { email = "root@replyx.test", password = "admin password for tests" });
        return (await response.JsonBody()).GetProperty("accessToken").GetString()!;
    }

    private async Task<(string Token, Guid Account)> Owner()
    {
        var token = await _client.RegisterOwner("billing");
        var me = await (await Send(HttpMethod.Get, "/api/me", token)).JsonBody();
        return (token, me.GetProperty("account").GetProperty("id").GetGuid());
    }

    private async Task<HttpResponseMessage> Adjust(string admin, Guid account, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/accounts/{account}/balance") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", admin);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task A_new_account_starts_with_the_welcome_credit_in_its_ledger()
    {
        var (owner, _) = await Owner();

        var balance = await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody();
        var ledger = await (await Send(HttpMethod.Get, "/api/balance/transactions", owner)).JsonBody();

        Assert.Equal(("10.000000", "RUB", true), (balance.GetProperty("balance").GetString(), balance.GetProperty("currency").GetString(),
            balance.GetProperty("billingEnabled").GetBoolean()));
        // The top-up limits the form checks are the platform's configured ones (Billing:YooKassa:MaxTopUp is 100000 here).
        var topUp = balance.GetProperty("topUp");
        Assert.Equal((true, "10.000000", "100000.000000"), (topUp.GetProperty("available").GetBoolean(), topUp.GetProperty("min").GetString(),
            topUp.GetProperty("max").GetString()));
        var entry = Assert.Single(ledger.GetProperty("items").EnumerateArray());
        Assert.Equal(("welcome", "10.000000", "10.000000"), (entry.GetProperty("kind").GetString(), entry.GetProperty("amount").GetString(),
            entry.GetProperty("balanceAfter").GetString()));
    }

    [Fact]
    public async Task An_admin_credit_or_debit_needs_a_reason_is_audited_and_is_applied_once_per_idempotency_key()
    {
        var (owner, account) = await Owner();
        var admin = await AdminToken();

        var credit = await Adjust(admin, account, new { amount = "12.5", reason = "goodwill for the outage" }, key: "ticket-42");
        var replay = await Adjust(admin, account, new { amount = "12.5", reason = "goodwill for the outage" }, key: "ticket-42");
        var debit = await Adjust(admin, account, new { amount = "-30", reason = "chargeback" });

        Assert.Equal(HttpStatusCode.OK, credit.StatusCode);
        var first = await credit.JsonBody();
        Assert.Equal(first.GetProperty("id").GetInt64(), (await replay.JsonBody()).GetProperty("id").GetInt64());
        Assert.Equal("22.500000", first.GetProperty("balanceAfter").GetString());
        // A debit may leave the balance below zero: the admin is settling a real loss.
        Assert.Equal("-7.500000", (await debit.JsonBody()).GetProperty("balanceAfter").GetString());
        var balance = await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody();
        Assert.Equal("-7.500000", balance.GetProperty("balance").GetString());
        var audit = await (await Send(HttpMethod.Get, $"/api/admin/audit?action=balance.adjust&accountId={account}", admin)).JsonBody();
        Assert.Equal(2, audit.GetProperty("items").GetArrayLength());
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.GetProperty("details").GetString() == "12.500000: goodwill for the outage");
    }

    [Theory]
    [InlineData("{\"amount\":\"1.0000001\",\"reason\":\"x\"}", "amount")]
    [InlineData("{\"amount\":\"0\",\"reason\":\"x\"}", "amount")]
    [InlineData("{\"amount\":\"ten\",\"reason\":\"x\"}", "amount")]
    [InlineData("{\"amount\":\"5\"}", "reason")]
    [InlineData("{\"amount\":\"5\",\"reason\":\"   \"}", "reason")]
    public async Task A_bad_adjustment_gets_a_field_error_and_moves_nothing(string json, string field)
    {
        var (owner, account) = await Owner();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/accounts/{account}/balance") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", await AdminToken());

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonBody()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Equal("10.000000", (await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody()).GetProperty("balance").GetString());
    }

    [Fact]
    public async Task Only_admins_adjust_and_an_unknown_account_is_not_found()
    {
        var (owner, account) = await Owner();

        Assert.Equal(HttpStatusCode.Forbidden, (await Adjust(owner, account, new { amount = "1000", reason = "self-service" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Adjust(await AdminToken(), Guid.NewGuid(), new { amount = "1", reason = "typo" })).StatusCode);
        Assert.Equal("10.000000", (await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody()).GetProperty("balance").GetString());
    }

    [Fact]
    public async Task Limits_are_kept_and_bad_values_get_field_errors()
    {
        var (owner, _) = await Owner();

        var saved = await Send(HttpMethod.Put, "/api/balance/limits", owner, new { lowBalanceThreshold = "2.5", dailyCap = "100" });
        var bad = await Send(HttpMethod.Put, "/api/balance/limits", owner, new { lowBalanceThreshold = "-1", dailyCap = "abc" });

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var balance = await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody();
        Assert.Equal(("2.500000", "100.000000"), (balance.GetProperty("lowBalanceThreshold").GetString(), balance.GetProperty("dailyCap").GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.JsonBody()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("lowBalanceThreshold", out _));
        Assert.True(errors.TryGetProperty("dailyCap", out _));
        var cleared = await (await Send(HttpMethod.Put, "/api/balance/limits", owner, new { lowBalanceThreshold = "0", dailyCap = (string?)null })).JsonBody();
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("dailyCap").ValueKind);
    }

    [Fact]
    public async Task The_ledger_pages_by_cursor_filters_by_kind_exports_csv_and_refuses_bad_parameters()
    {
        var (owner, account) = await Owner();
        var admin = await AdminToken();
        for (var i = 0; i < 5; i++)
        {
            await Adjust(admin, account, new { amount = $"{i + 1}", reason = i == 0 ? "=HYPERLINK(\"evil\")" : $"credit {i}" });
        }

        var first = await (await Send(HttpMethod.Get, "/api/balance/transactions?limit=4", owner)).JsonBody();
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await (await Send(HttpMethod.Get, $"/api/balance/transactions?limit=4&cursor={cursor}", owner)).JsonBody();
        var welcome = await (await Send(HttpMethod.Get, "/api/balance/transactions?kind=welcome", owner)).JsonBody();
        var csv = await Send(HttpMethod.Get, "/api/balance/transactions?format=csv", owner);

        Assert.Equal(["5.000000", "4.000000", "3.000000", "2.000000"], first.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("amount").GetString()));
        Assert.Equal(["1.000000", "10.000000"], second.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("amount").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal("welcome", Assert.Single(welcome.GetProperty("items").EnumerateArray()).GetProperty("kind").GetString());
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(7, lines.Length);
        Assert.StartsWith("id,at,kind,amount", lines[0]);
        Assert.Contains(lines, l => l.EndsWith(",\"'=HYPERLINK(\"\"evil\"\")\"", StringComparison.Ordinal)); // never a formula
        foreach (var query in new[] { "cursor=abc", "kind=gift", "service=coffee", "limit=0", "format=xml", "from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z" })
        {
            var response = await Send(HttpMethod.Get, "/api/balance/transactions?" + query, owner);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
    }

    [Fact]
    public async Task Prices_are_listed_to_users_and_an_admins_change_applies_from_now_on_never_to_the_past()
    {
        var (owner, _) = await Owner();
        var admin = await AdminToken();
        var model = "priced-" + Guid.NewGuid().ToString("N")[..6];

        var before = await (await Send(HttpMethod.Get, "/api/balance/prices", owner)).JsonBody();
        var set = await Send(HttpMethod.Put, "/api/admin/prices", admin, new { service = "ai_message", model, price = "0.002" });
        var past = await Send(HttpMethod.Put, "/api/admin/prices", admin, new { service = "ai_message", price = "0.5", effectiveFrom = DateTimeOffset.UtcNow.AddDays(-1) });
        var unknown = await Send(HttpMethod.Put, "/api/admin/prices", admin, new { service = "coffee", price = "1" });
        var byOwner = await Send(HttpMethod.Put, "/api/admin/prices", owner, new { service = "ai_message", price = "0" });
        var after = await (await Send(HttpMethod.Get, "/api/balance/prices", owner)).JsonBody();

        var embedding = before.EnumerateArray().Single(p => p.GetProperty("service").GetString() == "embedding");
        Assert.Equal(("0.000100", "1k tokens"), (embedding.GetProperty("price").GetString(), embedding.GetProperty("unit").GetString()));
        Assert.Equal("0.100000", before.EnumerateArray().Single(p => p.GetProperty("service").GetString() == "document_upload").GetProperty("price").GetString());
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal("0.002000", after.EnumerateArray().Single(p => p.GetProperty("model").GetString() == model).GetProperty("price").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.True((await past.JsonBody()).GetProperty("errors").TryGetProperty("effectiveFrom", out _));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byOwner.StatusCode);
        var audit = await (await Send(HttpMethod.Get, "/api/admin/audit?action=price.set", admin)).JsonBody();
        Assert.Contains(audit.GetProperty("items").EnumerateArray(), a => a.GetProperty("target").GetString() == "ai_message/" + model);
    }

    [Fact]
    public async Task The_test_chat_is_charged_like_a_reply_and_refused_with_402_when_the_balance_cannot_pay()
    {
        var admin = await AdminToken();
        var model = "ask-billed-" + Guid.NewGuid().ToString("N")[..6];
        var key = "sk-ask-billed-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.Created, (await Send(HttpMethod.Post, "/api/admin/ai-tokens", admin,
            new { provider = "custom", apiKey = key, baseUrl = app.Fake.BaseUrl, models = new[] { model }, priority = 1 })).StatusCode);
        var (owner, account) = await Owner();
        var assistant = (await (await Send(HttpMethod.Post, "/api/assistants", owner, new { name = "Billed", systemPrompt = "Help.", model, language = "en" })).JsonBody())
            .GetProperty("id").GetGuid();

        var paid = await Send(HttpMethod.Post, $"/api/assistants/{assistant}/ask", owner, new { text = "hello there" });
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        var ledger = await (await Send(HttpMethod.Get, "/api/balance/transactions?kind=charge", owner)).JsonBody();
        var charge = Assert.Single(ledger.GetProperty("items").EnumerateArray());
        Assert.Equal(("-0.001000", "ai_message"), (charge.GetProperty("amount").GetString(), charge.GetProperty("service").GetString()));

        await Adjust(admin, account, new { amount = "-9.999", reason = "empty the balance for the test" });
        var refused = await Send(HttpMethod.Post, $"/api/assistants/{assistant}/ask", owner, new { text = "hello again" });

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Single(app.Fake.ServedTo(key)); // the refused question never reached the model
        Assert.Equal("0.000000", (await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody()).GetProperty("balance").GetString());
    }

    [Fact]
    public async Task A_processed_document_and_its_vectors_are_charged_once_per_version_and_an_upload_the_balance_cannot_pay_gets_402()
    {
        var (owner, account) = await Owner();
        var assistant = (await (await Send(HttpMethod.Post, "/api/assistants", owner, new { name = "Docs", systemPrompt = "Help.", model = "gpt-4o-mini", language = "en" }))
            .JsonBody()).GetProperty("id").GetGuid();

        var id = await UploadReady(owner, $"/api/assistants/{assistant}/documents", HttpMethod.Post, "Shipping takes three days.", 1);
        await UploadReady(owner, $"/api/documents/{id}", HttpMethod.Put, "Shipping takes two days now.", 2);
        var charges = (await (await Send(HttpMethod.Get, "/api/balance/transactions?service=document_upload", owner)).JsonBody()).GetProperty("items");
        // The passages' vectors are charged per 1,000 tokens, rounded up: 0.0001 ₽ per 1k makes these short ones 1 micro-rouble each.
        var embeddings = (await (await Send(HttpMethod.Get, "/api/balance/transactions?service=embedding", owner)).JsonBody()).GetProperty("items");
        Assert.Equal([("-0.000001", $"document:{id}:2"), ("-0.000001", $"document:{id}:1")],
            embeddings.EnumerateArray().Select(c => (c.GetProperty("amount").GetString(), c.GetProperty("reference").GetString())));
        await Adjust(await AdminToken(), account, new { amount = "-9.799998", reason = "empty the balance for the test" });
        var refused = await Upload(owner, $"/api/assistants/{assistant}/documents", HttpMethod.Post, "One more.");

        Assert.Equal(["-0.100000", "-0.100000"], charges.EnumerateArray().Select(c => c.GetProperty("amount").GetString()));
        Assert.Equal([$"document:{id}:2", $"document:{id}:1"], charges.EnumerateArray().Select(c => c.GetProperty("reference").GetString()));
        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        Assert.Equal("0.000000", (await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody()).GetProperty("balance").GetString());
    }

    private Task<HttpResponseMessage> Upload(string token, string path, HttpMethod method, string text)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes("# Shipping\n\n" + text));
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "shipping.md");
        var request = new HttpRequestMessage(method, path) { Content = form };
        request.Headers.Authorization = new("Bearer", token);
        return _client.SendAsync(request);
    }

    private async Task<Guid> UploadReady(string token, string path, HttpMethod method, string text, int version)
    {
        var accepted = await Upload(token, path, method, text);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.JsonBody()).GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var doc = await (await Send(HttpMethod.Get, $"/api/documents/{id}", token)).JsonBody();
            if (doc.GetProperty("status").GetString() == "ready" && doc.GetProperty("version").GetInt32() == version)
            {
                return id;
            }
            Assert.True(DateTime.UtcNow < deadline, "not ready: " + doc);
            await Task.Delay(100);
        }
    }

    private async Task<HttpResponseMessage> TopUp(string owner, string amount, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/balance/topup") { Content = JsonContent.Create(new { amount }) };
        request.Headers.Authorization = new("Bearer", owner);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await _client.SendAsync(request);
    }

    private Task<HttpResponseMessage> Webhook(string body) =>
        _client.PostAsync("/api/payments/yookassa/webhook", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

    private async Task<string> Balance(string owner) =>
        (await (await Send(HttpMethod.Get, "/api/balance", owner)).JsonBody()).GetProperty("balance").GetString()!;

    [Fact]
    public async Task A_top_up_is_credited_once_when_the_gateway_confirms_it_however_often_it_notifies()
    {
        var (owner, _) = await Owner();

        var created = await TopUp(owner, "500", key: "topup-1");
        var again = await TopUp(owner, "500", key: "topup-1");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.JsonBody();
        var paymentId = body.GetProperty("paymentId").GetString()!;
        Assert.Equal(paymentId, (await again.JsonBody()).GetProperty("paymentId").GetString());
        Assert.Equal($"{app.YooKassa.Root}/checkout/{paymentId}", body.GetProperty("confirmationUrl").GetString());
        Assert.Single(app.YooKassa.Payments.Values, p => p.Id == paymentId);
        Assert.Equal("500.00", app.YooKassa.Payments[paymentId].Value);
        Assert.Equal("10.000000", await Balance(owner)); // nothing until the gateway says paid

        await app.YooKassa.Succeed(paymentId, notifyTwice: false);
        var notification = app.YooKassa.PaymentNotification("payment.succeeded", paymentId);
        Assert.Equal(HttpStatusCode.OK, (await Webhook(notification)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Webhook(notification)).StatusCode); // delivered twice, as YooKassa may

        Assert.Equal("510.000000", await Balance(owner));
        var topups = (await (await Send(HttpMethod.Get, "/api/balance/transactions?kind=topup", owner)).JsonBody()).GetProperty("items");
        Assert.Equal("yookassa:" + paymentId, Assert.Single(topups.EnumerateArray()).GetProperty("reference").GetString());
        Assert.Contains($"GET /v3/payments/{paymentId}", app.YooKassa.Calls); // asked back, not believed
    }

    [Fact]
    public async Task A_forged_or_unknown_notification_moves_nothing_and_a_malformed_one_is_refused()
    {
        var (owner, _) = await Owner();
        var paymentId = (await (await TopUp(owner, "100")).JsonBody()).GetProperty("paymentId").GetString()!;
        // Someone posts "succeeded" for a payment nobody paid: the gateway, asked back, says pending.
        var forged = System.Text.Json.Nodes.JsonNode.Parse(app.YooKassa.PaymentNotification("payment.succeeded", paymentId))!;
        forged["object"]!["status"] = "succeeded";
        forged["object"]!["paid"] = true;
        forged["object"]!["amount"]!["value"] = "1000000.00";

        Assert.Equal(HttpStatusCode.OK, (await Webhook(forged.ToJsonString())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Webhook("{\"event\":\"payment.succeeded\",\"object\":{\"id\":\"" + Guid.NewGuid() + "\"}}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Webhook("not json")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Webhook("{\"event\":\"payment.succeeded\"}")).StatusCode);

        Assert.Equal("10.000000", await Balance(owner));
    }

    [Fact]
    public async Task A_refund_debits_once_and_the_gateway_being_down_is_retried_not_lost()
    {
        var (owner, _) = await Owner();
        var paymentId = (await (await TopUp(owner, "200")).JsonBody()).GetProperty("paymentId").GetString()!;
        await app.YooKassa.Succeed(paymentId, notifyTwice: false);

        app.YooKassa.Failing = true;
        try
        {
            // YooKassa cannot be asked back: 503, so it notifies again later; nothing credited meanwhile.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Webhook(app.YooKassa.PaymentNotification("payment.succeeded", paymentId))).StatusCode);
            Assert.Equal(HttpStatusCode.BadGateway, (await TopUp(owner, "50")).StatusCode);
        }
        finally
        {
            app.YooKassa.Failing = false;
        }
        Assert.Equal("10.000000", await Balance(owner));
        Assert.Equal(HttpStatusCode.OK, (await Webhook(app.YooKassa.PaymentNotification("payment.succeeded", paymentId))).StatusCode);
        Assert.Equal("210.000000", await Balance(owner));

        var refundId = await app.YooKassa.RefundPayment(paymentId, "150.00");
        Assert.Equal(HttpStatusCode.OK, (await Webhook(app.YooKassa.RefundNotification(refundId))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Webhook(app.YooKassa.RefundNotification(refundId))).StatusCode);

        Assert.Equal("60.000000", await Balance(owner));
        var refund = Assert.Single((await (await Send(HttpMethod.Get, "/api/balance/transactions?kind=refund", owner)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Equal("-150.000000", refund.GetProperty("amount").GetString());
    }

    [Theory]
    [InlineData("5")]
    [InlineData("10.001")]
    [InlineData("2000000")]
    [InlineData("-100")]
    [InlineData("abc")]
    public async Task A_top_up_outside_the_allowed_amounts_gets_a_field_error(string amount)
    {
        var (owner, _) = await Owner();

        var response = await TopUp(owner, amount);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonBody()).GetProperty("errors").TryGetProperty("amount", out _));
        Assert.DoesNotContain(app.YooKassa.Payments.Values, p => p.Value == amount);
    }

    [Fact]
    public async Task A_promo_code_credits_each_account_once_within_its_uses_and_only_admins_create_codes()
    {
        var admin = await AdminToken();
        var code = "WELCOME-" + Guid.NewGuid().ToString("N")[..6];
        var (first, _) = await Owner();
        var (second, _) = await Owner();
        var (third, _) = await Owner();

        var created = await Send(HttpMethod.Post, "/api/admin/promo-codes", admin, new { code, amount = "25", maxUses = 2 });
        var duplicate = await Send(HttpMethod.Post, "/api/admin/promo-codes", admin, new { code = code.ToLowerInvariant(), amount = "1", maxUses = 1 });
        var byOwner = await Send(HttpMethod.Post, "/api/admin/promo-codes", first, new { code = "MINE", amount = "1000", maxUses = 1 });
        var badRequest = await Send(HttpMethod.Post, "/api/admin/promo-codes", admin, new { code = "a b", amount = "0", maxUses = 0 });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, byOwner.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRequest.StatusCode);
        var errors = (await badRequest.JsonBody()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("code", out _) && errors.TryGetProperty("amount", out _) && errors.TryGetProperty("maxUses", out _));

        var redeemed = await Send(HttpMethod.Post, "/api/balance/promo", first, new { code = " " + code.ToLowerInvariant() + " " });
        var twice = await Send(HttpMethod.Post, "/api/balance/promo", first, new { code });
        var other = await Send(HttpMethod.Post, "/api/balance/promo", second, new { code });
        var usedUp = await Send(HttpMethod.Post, "/api/balance/promo", third, new { code });
        var unknown = await Send(HttpMethod.Post, "/api/balance/promo", third, new { code = "NO-SUCH-CODE" });

        Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);
        Assert.Equal(("25.000000", "35.000000"), ((await redeemed.JsonBody()).GetProperty("amount").GetString(), (await redeemed.JsonBody()).GetProperty("balance").GetString()));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, usedUp.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("35.000000", await Balance(first));
        Assert.Equal("10.000000", await Balance(third));
        var listed = (await (await Send(HttpMethod.Get, "/api/admin/promo-codes", admin)).JsonBody()).EnumerateArray().Single(c => c.GetProperty("code").GetString() == code.ToUpperInvariant());
        Assert.Equal((2, 2), (listed.GetProperty("uses").GetInt32(), listed.GetProperty("maxUses").GetInt32()));
        var promo = Assert.Single((await (await Send(HttpMethod.Get, "/api/balance/transactions?kind=promo", first)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Equal("promo:" + code.ToUpperInvariant(), promo.GetProperty("reference").GetString()); // codes are kept in capitals
    }

    [Fact]
    public async Task A_referrer_gets_the_bonus_once_at_the_referees_first_successful_top_up_and_a_bad_code_is_refused()
    {
        var (referrer, _) = await Owner();
        var code = (await (await Send(HttpMethod.Get, "/api/balance", referrer)).JsonBody()).GetProperty("referralCode").GetString()!;
        var registered = await _client.PostAsJsonAsync("/api/auth/register",
            new { email = $"referee.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Referee", referralCode = code });
        var referee = (await registered.JsonBody()).GetProperty("accessToken").GetString()!;
        var unknown = await _client.PostAsJsonAsync("/api/auth/register",
            new { email = $"typo.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Typo", referralCode = Guid.NewGuid().ToString("N") });
        var garbage = await _client.PostAsJsonAsync("/api/auth/register",
            new { email = $"junk.{Guid.NewGuid():N}@example.com", password = "correct horse battery", name = "Junk", referralCode = "FRIEND2026" });

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.JsonBody()).GetProperty("errors").TryGetProperty("referralCode", out _));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal("10.000000", await Balance(referrer)); // nothing for a registration alone

        foreach (var amount in new[] { "100", "300" })
        {
            var paymentId = (await (await TopUp(referee, amount)).JsonBody()).GetProperty("paymentId").GetString()!;
            await app.YooKassa.Succeed(paymentId, notifyTwice: false);
            Assert.Equal(HttpStatusCode.OK, (await Webhook(app.YooKassa.PaymentNotification("payment.succeeded", paymentId))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Webhook(app.YooKassa.PaymentNotification("payment.succeeded", paymentId))).StatusCode);
        }

        Assert.Equal("410.000000", await Balance(referee));
        Assert.Equal("60.000000", await Balance(referrer)); // 10 + the 50 bonus, once
        var bonus = Assert.Single((await (await Send(HttpMethod.Get, "/api/balance/transactions?kind=referral", referrer)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Equal("50.000000", bonus.GetProperty("amount").GetString());
    }
}
