using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ReplyX.Api.Dialogs;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Api;

public sealed class InMemoryLiveDialogsTests(MemoryApp app) : LiveDialogsContract(app), IClassFixture<MemoryApp>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresLiveDialogsTests(PostgresApp app) : LiveDialogsContract(app), IClassFixture<PostgresApp>;

/// <summary>
/// Dialogs end to end over HTTP: a widget visitor writes, the AI (the fake provider through the real client)
/// answers, owners and operators list, read, follow live, take over and reply.
/// </summary>
public abstract class LiveDialogsContract(AppFixture app)
{
    public const string Shop = "https://shop.example.com";
    private const string Password = "correct horse battery";
    private readonly HttpClient _client = app.Factory.CreateClient(new() { HandleCookies = false });

    private Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null, string? origin = null,
        string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new("Bearer", token);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }
        return _client.SendAsync(request);
    }

    private async Task<string> Admin() => (await (await _client.PostAsJsonAsync("/api/auth/login",
        new { email = "root@replyx.test", password = "admin password for tests" })).JsonBody()).GetProperty("accessToken").GetString()!;

    /// <summary>An owner with an assistant whose widget allows <see cref="Shop"/>, answered by the fake model.</summary>
    public sealed record Tenant(string Token, Guid AccountId, Guid UserId, Guid AssistantId, string ApiKey);

    private async Task<Tenant> NewTenant()
    {
        var registered = await (await _client.PostAsJsonAsync("/api/auth/register",
            new { email = $"live.{Guid.NewGuid():N}@example.com", password = Password, name = "Owner" })).JsonBody();
        var token = registered.GetProperty("accessToken").GetString()!;
        var model = "live-" + Guid.NewGuid().ToString("N")[..8];
        var apiKey = "sk-live-" + Guid.NewGuid().ToString("N");
        var key = await Send(HttpMethod.Post, "/api/admin/ai-tokens", await Admin(),
            new { provider = "custom", apiKey, baseUrl = app.Fake.BaseUrl, models = new[] { model }, priority = 1 });
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        var assistant = await Send(HttpMethod.Post, "/api/assistants", token, new
        {
            name = "Shop help",
            systemPrompt = "Be brief.",
            model,
            widget = new { allowedOrigins = new[] { Shop }, greeting = "Hi!", color = "#1e88e5", position = "bottom-left" },
        });
        Assert.Equal(HttpStatusCode.Created, assistant.StatusCode);
        return new Tenant(token, registered.GetProperty("user").GetProperty("account").GetProperty("id").GetGuid(),
            registered.GetProperty("user").GetProperty("id").GetGuid(), (await assistant.JsonBody()).GetProperty("id").GetGuid(), apiKey);
    }

    private async Task<(Guid DialogId, string Session)> Visitor(Tenant tenant)
    {
        var opened = await Send(HttpMethod.Post, $"/api/widget/{tenant.AssistantId}/sessions", null, new { }, origin: Shop);
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var body = await opened.JsonBody();
        return (body.GetProperty("dialogId").GetGuid(), body.GetProperty("sessionToken").GetString()!);
    }

    private async Task<JsonElement[]> History(Guid dialogId, string session, int atLeast)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var history = await Send(HttpMethod.Get, $"/api/widget/dialogs/{dialogId}/messages", session, origin: Shop);
            Assert.Equal(HttpStatusCode.OK, history.StatusCode);
            var items = (await history.JsonBody()).GetProperty("items").EnumerateArray().ToArray();
            if (items.Length >= atLeast || DateTime.UtcNow > deadline)
            {
                return items;
            }
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_visitor_is_answered_and_owners_list_and_read_the_dialog_but_no_other_account_can()
    {
        var tenant = await NewTenant();
        var config = await Send(HttpMethod.Get, $"/api/widget/{tenant.AssistantId}/config", null, origin: Shop);
        Assert.Equal("left", (await config.JsonBody()).GetProperty("position").GetString());
        var (dialogId, session) = await Visitor(tenant);

        var posted = await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "Where is my order?" }, Shop, "k-1");
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var again = await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "Where is my order?" }, Shop, "k-1");
        Assert.True((await again.JsonBody()).GetProperty("duplicate").GetBoolean()); // a retry with the same key is stored once

        var history = await History(dialogId, session, atLeast: 2);
        Assert.Equal(["user", "assistant"], history.Select(m => m.GetProperty("author").GetString()));
        Assert.Equal("Echo: Where is my order?", history[1].GetProperty("text").GetString());

        var list = await (await Send(HttpMethod.Get, "/api/dialogs?channel=widget", tenant.Token)).JsonBody();
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal(dialogId, item.GetProperty("id").GetGuid());
        Assert.Equal(Shop, item.GetProperty("origin").GetString());
        Assert.Equal("assistant", item.GetProperty("lastMessage").GetProperty("author").GetString());
        Assert.Empty((await (await Send(HttpMethod.Get, "/api/dialogs?unanswered=true", tenant.Token)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Single((await (await Send(HttpMethod.Get, "/api/dialogs?q=ORDER", tenant.Token)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Empty((await (await Send(HttpMethod.Get, "/api/dialogs?q=refund", tenant.Token)).JsonBody()).GetProperty("items").EnumerateArray());

        var transcript = await (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}?limit=1", tenant.Token)).JsonBody();
        Assert.Equal(2, transcript.GetProperty("messages")[0].GetProperty("seq").GetInt64()); // the newest page first
        var older = await (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}?limit=1&before={transcript.GetProperty("nextCursor").GetString()}", tenant.Token)).JsonBody();
        Assert.Equal(1, older.GetProperty("messages")[0].GetProperty("seq").GetInt64());
        Assert.Equal(JsonValueKind.Null, older.GetProperty("nextCursor").ValueKind);

        var other = await NewTenant();
        Assert.Empty((await (await Send(HttpMethod.Get, "/api/dialogs", other.Token)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}", other.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/takeover", other.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}/events", other.Token)).StatusCode);
        Assert.Equal("ai", (await (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}", tenant.Token)).JsonBody()).GetProperty("dialog").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_foreign_origin_gets_no_session_and_a_visitor_token_opens_no_other_dialog()
    {
        var tenant = await NewTenant();
        var foreign = await Send(HttpMethod.Post, $"/api/widget/{tenant.AssistantId}/sessions", null, new { }, origin: "https://evil.example.net");
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal("application/problem+json", foreign.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(HttpMethod.Post, $"/api/widget/{tenant.AssistantId}/sessions", null, new { })).StatusCode);

        var preflight = new HttpRequestMessage(HttpMethod.Options, $"/api/widget/{tenant.AssistantId}/sessions");
        preflight.Headers.Add("Origin", Shop);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        Assert.Equal(Shop, (await _client.SendAsync(preflight)).Headers.GetValues("Access-Control-Allow-Origin").Single());
        var foreignPreflight = new HttpRequestMessage(HttpMethod.Options, $"/api/widget/{tenant.AssistantId}/sessions");
        foreignPreflight.Headers.Add("Origin", "https://evil.example.net");
        foreignPreflight.Headers.Add("Access-Control-Request-Method", "POST");
        Assert.False((await _client.SendAsync(foreignPreflight)).Headers.Contains("Access-Control-Allow-Origin"));

        var (first, session) = await Visitor(tenant);
        var (second, _) = await Visitor(tenant);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, $"/api/widget/dialogs/{second}/messages", session, origin: Shop)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Post, $"/api/widget/dialogs/{second}/messages", session, new { text = "hi" }, Shop)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SseClient.Open(_client, $"/api/widget/dialogs/{second}/events?token={session}")).Response.StatusCode);
        // The token from the shop's page is refused on another site's page.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, $"/api/widget/dialogs/{first}/messages", session, origin: "https://evil.example.net")).StatusCode);
        // A staff access token is no visitor token, and a visitor token is no staff token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, $"/api/widget/dialogs/{first}/messages", tenant.Token, origin: Shop)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/dialogs", session)).StatusCode);
    }

    [Fact]
    public async Task The_dialog_stream_is_live_in_order_and_a_reconnect_resumes_without_gap_or_duplicate()
    {
        var tenant = await NewTenant();
        var (dialogId, session) = await Visitor(tenant);
        var (staff, response) = await SseClient.Open(_client, $"/api/dialogs/{dialogId}/events", tenant.Token);
        Assert.NotNull(staff);
        Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
        await using (staff)
        {
            Assert.Equal("ready", (await staff.Next()).Type);
            await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "one" }, Shop);
            var question = await staff.NextOf("message");
            Assert.Equal("1", question.Id);
            Assert.Equal("one", question.Json.GetProperty("text").GetString());
            var answer = await staff.NextOf("message");
            Assert.Equal("2", answer.Id);
            Assert.Equal("Echo: one", answer.Json.GetProperty("text").GetString());
        }

        // While nobody listens, the conversation goes on; a reconnect from id 1 gets 2, 3 and 4 once each, in order.
        await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "two" }, Shop);
        await History(dialogId, session, atLeast: 4);
        var (resumed, _) = await SseClient.Open(_client, $"/api/dialogs/{dialogId}/events", tenant.Token, lastEventId: "1");
        await using (resumed!)
        {
            Assert.Equal("ready", (await resumed!.Next()).Type);
            var replay = new List<long>();
            for (var i = 0; i < 3; i++)
            {
                replay.Add(long.Parse((await resumed.NextOf("message")).Id!));
            }
            Assert.Equal([2, 3, 4], replay);
            Assert.Equal("ai", (await resumed.NextOf("dialog.status")).Json.GetProperty("status").GetString());

            // Live again after the replay: the next exchange comes once, numbered on.
            await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "three" }, Shop);
            Assert.Equal("5", (await resumed.NextOf("message")).Id);
            Assert.Equal("6", (await resumed.NextOf("message")).Id);
        }

        // A page that opens a new EventSource names the last message it showed in the query.
        var (widget, _) = await SseClient.Open(_client, $"/api/widget/dialogs/{dialogId}/events?token={Uri.EscapeDataString(session)}&lastEventId=4", origin: Shop);
        await using (widget!)
        {
            Assert.Equal("ready", (await widget!.Next()).Type);
            Assert.Equal("5", (await widget.NextOf("message")).Id);
            Assert.Equal("6", (await widget.NextOf("message")).Id);
        }
    }

    [Fact]
    public async Task An_operator_takes_over_replies_to_the_visitor_and_hands_back_to_the_ai()
    {
        var tenant = await NewTenant();
        var (dialogId, session) = await Visitor(tenant);
        var (visitor, _) = await SseClient.Open(_client, $"/api/widget/dialogs/{dialogId}/events?token={Uri.EscapeDataString(session)}", origin: Shop);
        await using (visitor!)
        {
            Assert.Equal("ready", (await visitor!.Next()).Type);
            var (feed, _) = await SseClient.Open(_client, "/api/events", tenant.Token);
            await using (feed!)
            {
                Assert.Equal("ready", (await feed!.Next()).Type);
                Assert.Equal(HttpStatusCode.Accepted, (await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/handoff", session, origin: Shop)).StatusCode);
                var waiting = await feed.NextOf("dialog.status", e => e.Json.GetProperty("status").GetString() == "waiting");
                Assert.Equal(dialogId, waiting.Json.GetProperty("dialogId").GetGuid());
                Assert.Single((await (await Send(HttpMethod.Get, "/api/dialogs?status=waiting", tenant.Token)).JsonBody()).GetProperty("items").EnumerateArray());

                var taken = await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/takeover", tenant.Token);
                Assert.Equal("operator", (await taken.JsonBody()).GetProperty("status").GetString());
                Assert.Equal(tenant.UserId, (await feed.NextOf("dialog.assigned")).Json.GetProperty("operatorId").GetGuid());
            }
            Assert.Equal("operator", (await visitor.NextOf("dialog.assigned")).Json.GetProperty("status").GetString());

            var served = app.Fake.Requests.Count;
            await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "Are you a person?" }, Shop);
            Assert.Equal("Are you a person?", (await visitor.NextOf("message", e => e.Json.GetProperty("author").GetString() == "user")).Json.GetProperty("text").GetString());
            var reply = await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/messages", tenant.Token, new { text = "Yes, I am Anna." }, idempotencyKey: "op-1");
            Assert.Equal(HttpStatusCode.Accepted, reply.StatusCode);
            var seen = await visitor.NextOf("message", e => e.Json.GetProperty("author").GetString() != "user");
            Assert.Equal("operator", seen.Json.GetProperty("author").GetString()); // no AI answer came before the person's
            Assert.Equal("Yes, I am Anna.", seen.Json.GetProperty("text").GetString());
            Assert.True((await (await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/messages", tenant.Token, new { text = "Yes, I am Anna." }, idempotencyKey: "op-1")).JsonBody())
                .GetProperty("duplicate").GetBoolean());
            Assert.Equal(served, app.Fake.Requests.Count);

            Assert.Equal("ai", (await (await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/release", tenant.Token)).JsonBody()).GetProperty("status").GetString());
            Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/rating", session, new { score = 5 }, Shop)).StatusCode);
            Assert.Equal("closed", (await (await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/close", tenant.Token)).JsonBody()).GetProperty("status").GetString());
            await visitor.NextOf("dialog.status", e => e.Json.GetProperty("status").GetString() == "closed");
            Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/rating", session, new { score = 6 }, Shop)).StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/rating", session, new { score = 4, comment = "Quick, thanks" }, Shop)).StatusCode);
            var rated = await (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}", tenant.Token)).JsonBody();
            Assert.Equal(4, rated.GetProperty("dialog").GetProperty("rating").GetProperty("score").GetInt32());
        }
    }

    [Fact]
    public async Task No_stream_subscription_is_left_after_many_clients_came_and_went()
    {
        var tenant = await NewTenant();
        var (dialogId, _) = await Visitor(tenant);
        var connections = app.Factory.Services.GetRequiredService<EventStreamConnections>();
        for (var i = 0; i < 1000; i++)
        {
            var (client, _) = await SseClient.Open(_client, i % 2 == 0 ? $"/api/dialogs/{dialogId}/events" : "/api/events", tenant.Token);
            await using (client!)
            {
                Assert.Equal("ready", (await client!.Next()).Type);
            }
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((connections.SubscriptionCount > 0 || connections.Count > 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(0, connections.SubscriptionCount);
        Assert.Equal(0, connections.Count);
    }

    [Fact]
    public async Task A_takeover_during_the_ai_answer_cancels_the_model_call_and_the_answer_never_reaches_the_visitor()
    {
        var tenant = await NewTenant();
        app.Fake.For(tenant.ApiKey).Latency = TimeSpan.FromSeconds(60); // the model is slow: the answer is in flight
        var (dialogId, session) = await Visitor(tenant);
        var (visitor, _) = await SseClient.Open(_client, $"/api/widget/dialogs/{dialogId}/events?token={Uri.EscapeDataString(session)}", origin: Shop);
        await using (visitor!)
        {
            Assert.Equal("ready", (await visitor!.Next()).Type);
            await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "Long question" }, Shop);
            await Eventually(() => app.Fake.Arrivals.Contains(tenant.ApiKey), "the model call started");

            Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/takeover", tenant.Token)).StatusCode);
            await Eventually(() => app.Fake.Aborted.Contains(tenant.ApiKey), "the model call was cancelled");

            // After the question the visitor sees the change of hands and then the person's reply, no AI answer.
            await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/messages", tenant.Token, new { text = "Let me check that for you." });
            var afterQuestion = await visitor.NextOf("message", e => e.Json.GetProperty("author").GetString() != "user");
            Assert.Equal("operator", afterQuestion.Json.GetProperty("author").GetString());
        }
        var history = await History(dialogId, session, atLeast: 2);
        Assert.DoesNotContain(history, m => m.GetProperty("author").GetString() == "assistant");
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what + ": not within 15 s");
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task Private_notes_reach_staff_streams_and_transcripts_but_never_the_visitor()
    {
        var tenant = await NewTenant();
        var (dialogId, session) = await Visitor(tenant);
        var (staff, _) = await SseClient.Open(_client, $"/api/dialogs/{dialogId}/events", tenant.Token);
        var (visitor, _) = await SseClient.Open(_client, $"/api/widget/dialogs/{dialogId}/events?token={Uri.EscapeDataString(session)}", origin: Shop);
        await using (staff!)
        await using (visitor!)
        {
            Assert.Equal("ready", (await staff!.Next()).Type);
            Assert.Equal("ready", (await visitor!.Next()).Type);
            var added = await Send(HttpMethod.Post, $"/api/dialogs/{dialogId}/notes", tenant.Token, new { text = "VIP customer, refund allowed" });
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.Equal("VIP customer, refund allowed", (await staff.NextOf("note")).Json.GetProperty("text").GetString());

            // The visitor's next event is their own message: the note never came.
            await Send(HttpMethod.Post, $"/api/widget/dialogs/{dialogId}/messages", session, new { text = "hello" }, Shop);
            var next = await visitor.Next();
            Assert.Equal("message", next.Type);
            Assert.Equal("hello", next.Json.GetProperty("text").GetString());
        }
        var transcript = await (await Send(HttpMethod.Get, $"/api/dialogs/{dialogId}", tenant.Token)).JsonBody();
        Assert.Equal("VIP customer, refund allowed", Assert.Single(transcript.GetProperty("notes").EnumerateArray()).GetProperty("text").GetString());
        Assert.DoesNotContain("VIP", await (await Send(HttpMethod.Get, $"/api/widget/dialogs/{dialogId}/messages", session, origin: Shop)).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Canned_responses_are_per_account_with_unique_shortcuts()
    {
        var tenant = await NewTenant();
        var created = await Send(HttpMethod.Post, "/api/canned-responses", tenant.Token, new { shortcut = "hello", text = "Hello! How can I help?" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonBody()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await Send(HttpMethod.Post, "/api/canned-responses", tenant.Token, new { shortcut = "HELLO", text = "again" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, "/api/canned-responses", tenant.Token, new { shortcut = "with space", text = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(HttpMethod.Post, "/api/canned-responses", tenant.Token, new { shortcut = "empty" })).StatusCode);
        var changed = await Send(HttpMethod.Patch, $"/api/canned-responses/{id}", tenant.Token, new { text = "Здравствуйте! Чем помочь?" });
        Assert.Equal("hello", (await changed.JsonBody()).GetProperty("shortcut").GetString());
        var list = await (await Send(HttpMethod.Get, "/api/canned-responses", tenant.Token)).JsonBody();
        Assert.Equal("Здравствуйте! Чем помочь?", Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("text").GetString());

        var other = await NewTenant();
        Assert.Empty((await (await Send(HttpMethod.Get, "/api/canned-responses", other.Token)).JsonBody()).GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Delete, $"/api/canned-responses/{id}", other.Token)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, $"/api/canned-responses/{id}", tenant.Token)).StatusCode);
    }

    [Theory]
    [InlineData("?status=open", "status")]
    [InlineData("?channel=fax", "channel")]
    [InlineData("?assistantId=nope", "assistantId")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?cursor=bm90LWEtY3Vyc29y", "cursor")]
    [InlineData("?unanswered=maybe", "unanswered")]
    public async Task Bad_list_filters_are_field_errors(string query, string field)
    {
        var tenant = await NewTenant();
        var response = await Send(HttpMethod.Get, "/api/dialogs" + query, tenant.Token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonBody()).GetProperty("errors").TryGetProperty(field, out _), await response.Content.ReadAsStringAsync());
    }
}
