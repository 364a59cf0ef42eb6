using System.Net;
using System.Net.Http.Json;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Desk;

/// <summary>The handoff queue through HTTP: offers on the account feed to the least busy online operator, re-offered when not taken.</summary>
public sealed class DeskTests : IAsyncLifetime
{
    private const string Password = "correct horse battery";
    private const string Shop = "https://shop.example.com";
    private ReplyXAppFactory _factory = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _factory = new ReplyXAppFactory(new Dictionary<string, string?>
        {
            ["RateLimits:AuthPerMinute"] = "1000",
            ["Desk:OfferTimeout"] = "00:00:01",
            ["Desk:CheckInterval"] = "00:00:00.100",
        });
        _client = _factory.CreateClient(new() { HandleCookies = false });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<string> Login(string email) =>
        (await (await _client.PostAsJsonAsync("/api/auth/login", new { email, password = Password })).JsonBody()).GetProperty("accessToken").GetString()!;

    private async Task<(string Token, Guid Id)> Operator(string owner, string name)
    {
        var email = $"{name}.{Guid.NewGuid():N}@example.com";
        var invited = await _client.SendAs(HttpMethod.Post, "/api/account/operators", owner, new { email, name, password = Password });
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        return (await Login(email), (await invited.JsonBody()).GetProperty("id").GetGuid());
    }

    private async Task<Guid> WaitingDialog(string owner, Guid assistantId)
    {
        var opened = new HttpRequestMessage(HttpMethod.Post, $"/api/widget/{assistantId}/sessions") { Content = JsonContent.Create(new { }) };
        opened.Headers.Add("Origin", Shop);
        var session = await (await _client.SendAsync(opened)).JsonBody();
        var handoff = new HttpRequestMessage(HttpMethod.Post, $"/api/widget/dialogs/{session.GetProperty("dialogId").GetGuid()}/handoff");
        handoff.Headers.Add("Origin", Shop);
        handoff.Headers.Authorization = new("Bearer", session.GetProperty("sessionToken").GetString());
        Assert.Equal(HttpStatusCode.Accepted, (await _client.SendAsync(handoff)).StatusCode);
        return session.GetProperty("dialogId").GetGuid();
    }

    [Fact]
    public async Task A_handoff_is_offered_to_the_least_busy_online_operator_and_to_the_other_when_not_taken()
    {
        var owner = await _client.RegisterOwner("desk");
        var assistant = await (await _client.SendAs(HttpMethod.Post, "/api/assistants", owner,
            new { name = "Desk", systemPrompt = "x", widget = new { allowedOrigins = new[] { Shop } } })).JsonBody();
        var assistantId = assistant.GetProperty("id").GetGuid();
        var anna = await Operator(owner, "anna");
        var boris = await Operator(owner, "boris");

        var (annaFeed, _) = await SseClient.Open(_client, "/api/events", anna.Token);
        var (borisFeed, _) = await SseClient.Open(_client, "/api/events", boris.Token);
        await using (annaFeed!)
        await using (borisFeed!)
        {
            Assert.Equal("ready", (await annaFeed!.Next()).Type);
            Assert.Equal("ready", (await borisFeed!.Next()).Type);
            await WaitUntil(async () => (await (await _client.SendAs(HttpMethod.Get, "/api/desk", owner)).JsonBody()).GetProperty("online").GetArrayLength() == 2);

            // Anna already holds a dialog, so Boris is the least busy.
            var held = await WaitingDialog(owner, assistantId);
            Assert.Equal(HttpStatusCode.OK, (await _client.SendAs(HttpMethod.Post, $"/api/dialogs/{held}/takeover", anna.Token)).StatusCode);
            await WaitUntil(async () => (await (await _client.SendAs(HttpMethod.Get, "/api/desk", owner)).JsonBody()).GetProperty("queue").GetArrayLength() == 0);

            var waiting = await WaitingDialog(owner, assistantId);
            var offer = await borisFeed.NextOf("dialog.offered", e => e.Json.GetProperty("dialogId").GetGuid() == waiting);
            Assert.Equal(boris.Id, offer.Json.GetProperty("operatorId").GetGuid());

            // Nobody takes it within the offer timeout (1 s): it is offered to the other operator. (The feed is the
            // account's: everyone sees every offer, and each desk shows its own.)
            var offeredFirst = DateTime.UtcNow;
            await annaFeed.NextOf("dialog.offered", e => e.Json.GetProperty("dialogId").GetGuid() == waiting
                && e.Json.GetProperty("operatorId").GetGuid() == anna.Id, TimeSpan.FromSeconds(10));
            Assert.True(DateTime.UtcNow - offeredFirst > TimeSpan.FromSeconds(0.5), "re-offered before the first offer ran out");

            var desk = await (await _client.SendAs(HttpMethod.Get, "/api/desk", owner)).JsonBody();
            Assert.Equal(waiting, Assert.Single(desk.GetProperty("queue").EnumerateArray()).GetProperty("dialogId").GetGuid());
            Assert.Equal(HttpStatusCode.OK, (await _client.SendAs(HttpMethod.Post, $"/api/dialogs/{waiting}/takeover", anna.Token)).StatusCode);
            await WaitUntil(async () => (await (await _client.SendAs(HttpMethod.Get, "/api/desk", owner)).JsonBody()).GetProperty("queue").GetArrayLength() == 0);
        }
        // Both streams closed: nobody is online any more.
        await WaitUntil(async () => (await (await _client.SendAs(HttpMethod.Get, "/api/desk", owner)).JsonBody()).GetProperty("online").GetArrayLength() == 0);
    }

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 15 s");
            await Task.Delay(50);
        }
    }
}
