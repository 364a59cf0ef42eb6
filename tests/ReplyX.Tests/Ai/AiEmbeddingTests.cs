using ReplyX.Ai;

namespace ReplyX.Tests.Ai;

/// <summary>
/// Embeddings through the router, served by the fake over HTTP to the real OpenAI client: batched, metered as
/// embeddings, and the providers' bad days (429, a permanent 400, no usage, a malformed answer).
/// </summary>
[Collection(AiCollection.Name)]
public sealed class AiEmbeddingTests(AiClusterFixture fixture)
{
    private static string NewModel() => "embed-" + Guid.NewGuid().ToString("N")[..8];
    private static string NewKey(string name) => $"sk-{name}-{Guid.NewGuid():N}";
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static readonly string[] Texts = ["where is my parcel", "how do I get a refund", "reset my password please"];

    private async Task<AiTokenStatus> Status(Guid id) => await fixture.Cluster.GrainFactory.GetGrain<IAiTokenGrain>(id).GetStatus();

    [Fact]
    public async Task A_batch_is_one_request_with_one_vector_per_text_in_order_and_is_metered_as_embedding()
    {
        var model = NewModel();
        var key = NewKey("embed");
        var id = await fixture.AddKey(key, model);
        var account = Guid.NewGuid();

        var result = await fixture.Router.Embed(new AiEmbeddingRequest(account, model, Texts));

        Assert.Equal((key, model, 3), Assert.Single(fixture.Fake.EmbeddingRequests, r => r.Key == key));
        Assert.Equal(3, result.Vectors.Count);
        for (var i = 0; i < Texts.Length; i++)
        {
            // The fake's vector of each text, in the order the texts were given.
            var expected = fixture.Fake.EmbeddingOf(Texts[i]);
            var norm = MathF.Sqrt(expected.Sum(x => x * x));
            Assert.Equal(expected.Select(x => x / norm), result.Vectors[i], new FloatTolerance());
        }
        var tokens = Texts.Sum(ReplyX.Fakes.FakeOpenAi.Count);
        Assert.Equal(tokens, result.Tokens);
        Assert.False(result.TokensEstimated);
        var daily = Assert.Single(await fixture.Usage.DailyByAccount(account, Today, Today));
        Assert.Equal(tokens, daily.EmbeddingTokens);
        Assert.Equal(tokens, daily.PromptTokens);
        Assert.Equal(tokens, (await Status(id)).TokensToday);
    }

    [Fact]
    public async Task Requested_dimensions_reach_the_provider()
    {
        var model = NewModel();
        await fixture.AddKey(NewKey("dims"), model);

        var result = await fixture.Router.Embed(new AiEmbeddingRequest(null, model, Texts, Dimensions: 4));

        Assert.All(result.Vectors, v => Assert.Equal(4, v.Length));
    }

    [Fact]
    public async Task Embeddings_without_usage_are_metered_by_estimate_and_flagged()
    {
        var model = NewModel();
        var key = NewKey("no-usage");
        fixture.Fake.For(key).OmitUsage = true;
        await fixture.AddKey(key, model);
        var account = Guid.NewGuid();

        var result = await fixture.Router.Embed(new AiEmbeddingRequest(account, model, Texts));

        Assert.True(result.TokensEstimated);
        Assert.Equal(Texts.Sum(AiTokenEstimator.Text), result.Tokens);
        var daily = Assert.Single(await fixture.Usage.DailyByAccount(account, Today, Today));
        Assert.Equal(1, daily.EstimatedCalls);
        Assert.Equal(result.Tokens, daily.EmbeddingTokens);
    }

    [Fact]
    public async Task A_rate_limited_key_fails_over_to_the_next()
    {
        var model = NewModel();
        var limited = NewKey("limited");
        fixture.Fake.For(limited).RateLimitedRetryAfterSeconds = 30;
        await fixture.AddKey(limited, model, priority: 1);
        var healthyId = await fixture.AddKey(NewKey("healthy"), model, priority: 2);

        var result = await fixture.Router.Embed(new AiEmbeddingRequest(null, model, Texts));

        Assert.Equal(healthyId, result.TokenId);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(429, Assert.Single(fixture.Fake.ServedTo(limited)).Status);
    }

    [Fact]
    public async Task A_malformed_answer_is_a_failed_attempt_not_vectors()
    {
        var model = NewModel();
        var broken = NewKey("broken");
        fixture.Fake.For(broken).DropLastEmbedding = true;
        var brokenId = await fixture.AddKey(broken, model, priority: 1);
        var healthyId = await fixture.AddKey(NewKey("healthy"), model, priority: 2);

        var result = await fixture.Router.Embed(new AiEmbeddingRequest(null, model, Texts));

        Assert.Equal(healthyId, result.TokenId);
        Assert.Equal(3, result.Vectors.Count);
        var status = await Status(brokenId);
        Assert.Equal(1, status.TotalFailures);
        Assert.Equal(0, status.InFlight);
    }

    [Fact]
    public async Task A_permanent_400_is_not_retried_on_other_keys()
    {
        var model = NewModel();
        var first = NewKey("refusing");
        var second = NewKey("refusing-too");
        fixture.Fake.For(first).RejectEmbeddings = true;
        fixture.Fake.For(second).RejectEmbeddings = true;
        await fixture.AddKey(first, model, priority: 1);
        await fixture.AddKey(second, model, priority: 2);

        var ex = await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Embed(new AiEmbeddingRequest(null, model, Texts)));

        Assert.Contains("BadRequest", ex.Message);
        Assert.Single(fixture.Fake.EmbeddingRequests, r => r.Key == first);
        Assert.DoesNotContain(fixture.Fake.EmbeddingRequests, r => r.Key == second);
    }

    [Fact]
    public async Task A_model_no_key_serves_is_reported_as_not_configured()
    {
        await Assert.ThrowsAsync<AiNotConfiguredException>(() => fixture.Router.Embed(new AiEmbeddingRequest(null, NewModel(), Texts)));
    }

    private sealed class FloatTolerance : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) < 1e-5f;

        public int GetHashCode(float obj) => 0;
    }
}
