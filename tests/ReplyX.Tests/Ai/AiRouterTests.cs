using ReplyX.Ai;

namespace ReplyX.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class AiRouterTests(AiClusterFixture fixture)
{
    private static string NewModel() => "model-" + Guid.NewGuid().ToString("N")[..8];
    private static string NewKey(string name) => $"sk-{name}-{Guid.NewGuid():N}";

    private async Task<AiTokenStatus> Status(Guid id) => await fixture.Cluster.GrainFactory.GetGrain<IAiTokenGrain>(id).GetStatus();

    [Fact]
    public async Task Answers_through_the_real_openai_client_and_records_usage()
    {
        var model = NewModel();
        var key = NewKey("plain");
        var id = await fixture.AddKey(key, model);
        var request = AiClusterFixture.Ask(model, "where is my order");

        var answer = await fixture.Router.Complete(request);

        Assert.Equal("Echo: where is my order", answer.Text);
        Assert.Equal(id, answer.TokenId);
        var served = Assert.Single(fixture.Fake.ServedTo(key));
        Assert.Equal(served.PromptTokens, answer.PromptTokens);
        Assert.Equal(served.CompletionTokens, answer.CompletionTokens);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var daily = Assert.Single(await fixture.Usage.DailyByAccount(request.AccountId, today, today));
        Assert.Equal(served.PromptTokens, daily.PromptTokens);
        Assert.Equal(1, daily.Calls);
    }

    [Fact]
    public async Task Fails_over_from_a_rate_limited_key_to_a_healthy_one_and_honours_retry_after()
    {
        var model = NewModel();
        var limited = NewKey("limited");
        var healthy = NewKey("healthy");
        fixture.Fake.For(limited).RateLimitedRetryAfterSeconds = 30;
        var limitedId = await fixture.AddKey(limited, model, priority: 1);
        var healthyId = await fixture.AddKey(healthy, model, priority: 2);

        var first = await fixture.Router.Complete(AiClusterFixture.Ask(model, "hello"));
        var second = await fixture.Router.Complete(AiClusterFixture.Ask(model, "again"));

        Assert.Equal(healthyId, first.TokenId);
        Assert.Equal(2, first.Attempts);
        Assert.Equal(healthyId, second.TokenId);
        Assert.Equal(1, second.Attempts);
        Assert.Single(fixture.Fake.ServedTo(limited)); // the second call did not touch the resting key
        var status = await Status(limitedId);
        Assert.Equal(CircuitState.Open, status.Circuit);
        Assert.InRange((status.OpenUntil!.Value - DateTimeOffset.UtcNow).TotalSeconds, 25, 31);
    }

    [Fact]
    public async Task Fails_over_from_a_failing_provider_to_the_next_in_the_chain()
    {
        var model = "yandexgpt-lite-" + Guid.NewGuid().ToString("N")[..6];
        var openAi = NewKey("openai");
        var yandex = NewKey("yandex");
        fixture.Fake.For(openAi).ServerError = true;
        await fixture.AddKey(openAi, model, AiProviderKind.OpenAi, priority: 1);
        var yandexId = await fixture.AddKey(yandex, model, AiProviderKind.YandexGpt, priority: 1, folderId: "b1gfolder");

        var answer = await fixture.Router.Complete(AiClusterFixture.Ask(model, "привет", AiProviderKind.OpenAi, AiProviderKind.YandexGpt));

        Assert.Equal(yandexId, answer.TokenId);
        Assert.Equal(AiProviderKind.YandexGpt, answer.Provider);
        Assert.Equal("Echo: привет", answer.Text);
        // YandexGPT addresses models by URI inside the cloud folder.
        Assert.Equal($"gpt://b1gfolder/{model}/latest", Assert.Single(fixture.Fake.ServedTo(yandex)).Model);
    }

    [Fact]
    public async Task The_breaker_opens_after_repeated_failures_and_half_opens_for_one_trial()
    {
        var model = NewModel();
        var key = NewKey("flaky");
        fixture.Fake.For(key).ServerError = true;
        var id = await fixture.AddKey(key, model);

        await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(AiClusterFixture.Ask(model, "one")));
        Assert.Equal(CircuitState.Closed, (await Status(id)).Circuit);
        await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(AiClusterFixture.Ask(model, "two")));
        Assert.Equal(CircuitState.Open, (await Status(id)).Circuit);

        var refused = await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(AiClusterFixture.Ask(model, "three")));
        Assert.NotNull(refused.RetryAt);
        Assert.Equal(2, fixture.Fake.ServedTo(key).Count); // open: no request reached the provider

        fixture.Fake.For(key).ServerError = false;
        await Task.Delay(refused.RetryAt!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));
        Assert.Equal(CircuitState.HalfOpen, (await Status(id)).Circuit);

        var trial = await fixture.Router.Complete(AiClusterFixture.Ask(model, "four"));
        Assert.Equal(id, trial.TokenId);
        Assert.Equal(CircuitState.Closed, (await Status(id)).Circuit);
    }

    [Fact]
    public async Task A_failed_half_open_trial_opens_the_breaker_again()
    {
        var model = NewModel();
        var key = NewKey("still-broken");
        fixture.Fake.For(key).ServerError = true;
        var id = await fixture.AddKey(key, model);
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(AiClusterFixture.Ask(model, "x")));
        }
        var open = await Status(id);
        await Task.Delay(open.OpenUntil!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));

        await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(AiClusterFixture.Ask(model, "trial")));

        Assert.Equal(CircuitState.Open, (await Status(id)).Circuit);
        Assert.Equal(3, fixture.Fake.ServedTo(key).Count);
    }

    [Fact]
    public async Task Streaming_reports_partial_text_and_the_final_usage()
    {
        var model = NewModel();
        var key = NewKey("stream");
        await fixture.AddKey(key, model);
        var partials = new List<string>();
        var request = AiClusterFixture.Ask(model, "please stream this answer") with
        {
            OnPartial = text =>
            {
                partials.Add(text);
                return ValueTask.CompletedTask;
            },
        };

        var answer = await fixture.Router.Complete(request);

        Assert.Equal("Echo: please stream this answer", answer.Text);
        Assert.True(partials.Count >= 3);
        Assert.Equal(answer.Text, partials[^1]);
        Assert.True(partials.Zip(partials.Skip(1)).All(p => p.Second.StartsWith(p.First, StringComparison.Ordinal)));
        var served = Assert.Single(fixture.Fake.ServedTo(key));
        Assert.True(served.Stream);
        Assert.Equal(served.CompletionTokens, answer.CompletionTokens);
        Assert.Equal(served.PromptTokens, answer.PromptTokens);
    }

    [Fact]
    public async Task GigaChat_gets_an_access_token_from_oauth_and_reuses_it()
    {
        var model = "GigaChat-" + Guid.NewGuid().ToString("N")[..6];
        var before = fixture.Fake.OAuthRequests.Count;
        var authKey = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("client:secret-" + Guid.NewGuid().ToString("N")[..6]));
        await fixture.AddKey(authKey, model, AiProviderKind.GigaChat, scope: "GIGACHAT_API_PERS", authUrl: fixture.Fake.Root + "/api/v2/oauth");

        var first = await fixture.Router.Complete(AiClusterFixture.Ask(model, "раз"));
        var second = await fixture.Router.Complete(AiClusterFixture.Ask(model, "два"));

        Assert.Equal("Echo: раз", first.Text);
        Assert.Equal("Echo: два", second.Text);
        Assert.Equal(before + 1, fixture.Fake.OAuthRequests.Count);
        Assert.Contains(fixture.Fake.OAuthRequests, a => a == "Basic " + authKey);
        var served = fixture.Fake.Requests.Where(r => r.Model == model).ToArray();
        Assert.Equal(2, served.Length);
        Assert.All(served, r => Assert.StartsWith("giga-access-", r.Key));
    }

    [Fact]
    public async Task A_model_without_any_key_is_not_configured()
    {
        await Assert.ThrowsAsync<AiNotConfiguredException>(() => fixture.Router.Complete(AiClusterFixture.Ask(NewModel(), "hi")));
    }

    [Fact]
    public async Task The_daily_token_budget_of_a_key_is_never_exceeded()
    {
        var model = NewModel();
        var key = NewKey("budget");
        var id = await fixture.AddKey(key, model, tokensPerDay: 40);
        // Estimate: 41 characters / 2 + 5 = 25 tokens reserved per call; each call really uses 9.
        var request = AiClusterFixture.Ask(model, "short") with { MaxOutputTokens = 5 };

        await fixture.Router.Complete(request);
        await fixture.Router.Complete(request);
        var refused = await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(request));

        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1), refused.RetryAt!.Value.UtcDateTime);
        Assert.Equal(2, fixture.Fake.ServedTo(key).Count);
        Assert.True((await Status(id)).TokensToday <= 40);
    }
}
