using Microsoft.Extensions.Options;
using ReplyX.Ai;
using ReplyX.Knowledge;
using ReplyX.Tests.Ai;

namespace ReplyX.Tests.Knowledge;

/// <summary>
/// A provider's embeddings as the knowledge base's embedder, through the real router and OpenAI client against
/// the fake (whose "multilingual model" puts Russian and English words of one meaning together): documents are
/// embedded in batches and metered to their account, a Russian question finds an English passage no lexical
/// retriever can, and a provider's bad day degrades a question's search to words instead of failing it.
/// </summary>
[Collection(AiCollection.Name)]
public sealed class ProviderEmbedderTests(AiClusterFixture fixture)
{
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static string Section(string heading, string sentence) =>
        $"# {heading}\n\n" + string.Join(" ", Enumerable.Range(1, 12).Select(i => $"{sentence} Note {i} of this section."));

    private static readonly string Guide = string.Join("\n\n",
        Section("Refunds", "You can get your money back within 30 days: we reimburse the full price of the order."),
        Section("Shipping", "Every parcel is handed to a courier and is delivered within three working days."),
        Section("Account", "To change your password, log in and open the security settings of your profile."));

    private sealed record Setup(InMemoryKnowledgeStore Store, DocumentPipeline Pipeline, HybridRetriever Retriever, string Model, string Key, Guid Account,
        Guid Assistant);

    private async Task<Setup> Create()
    {
        var model = "multilingual-" + Guid.NewGuid().ToString("N")[..8];
        var key = $"sk-embed-{Guid.NewGuid():N}";
        await fixture.AddKey(key, model);
        var store = new InMemoryKnowledgeStore();
        var options = Options.Create(new KnowledgeOptions { EmbeddingBatch = 4, ChunkTokens = 60, OverlapTokens = 10 });
        var embedder = new ConfiguredEmbedder(new ProviderEmbedder(fixture.Router, model, null));
        var pipeline = new DocumentPipeline(store, new IndexingWorkers(options), embedder, options, TimeProvider.System);
        var retriever = new HybridRetriever(store, new KnowledgeCache(store, TimeProvider.System, options), embedder, options);
        return new Setup(store, pipeline, retriever, model, key, Guid.NewGuid(), Guid.NewGuid());
    }

    private static async Task<KnowledgeDocument> Index(Setup s)
    {
        var now = DateTimeOffset.UtcNow;
        var doc = new KnowledgeDocument(Guid.NewGuid(), s.Account, s.Assistant, "guide.md", FileFormat.Markdown, Guide.Length, DocumentStatus.Processing,
            null, 0, 0, 0, null, true, 1, 0, null, now, now);
        await s.Store.Save(doc);
        await s.Store.SaveFile(doc.Id, 1, TestDocuments.Utf8(Guide));
        return await s.Pipeline.Run(doc, s.Store.Save, () => false);
    }

    [Fact]
    public async Task Documents_are_embedded_in_batches_through_the_router_and_metered_to_their_account()
    {
        var s = await Create();

        var done = await Index(s);

        Assert.Equal(DocumentStatus.Ready, done.Status);
        Assert.Equal(s.Model, done.EmbeddingModel);
        Assert.True(done.ChunksTotal >= 6, $"{done.ChunksTotal} chunks");
        var requests = fixture.Fake.EmbeddingRequests.Where(r => r.Key == s.Key).ToList();
        Assert.Equal((done.ChunksTotal + 3) / 4, requests.Count); // batches of Knowledge:EmbeddingBatch
        Assert.All(requests, r => Assert.InRange(r.Inputs, 1, 4));
        Assert.Equal(done.ChunksTotal, (await s.Store.Vectors(s.Assistant, s.Model)).Keys.Length);
        var daily = Assert.Single(await fixture.Usage.DailyByAccount(s.Account, Today, Today));
        Assert.Equal(requests.Count, daily.Calls);
        Assert.True(daily.EmbeddingTokens > 0);
        Assert.Equal(daily.PromptTokens, daily.EmbeddingTokens);
    }

    [Fact]
    public async Task A_russian_question_finds_the_english_passage_by_its_meaning()
    {
        var s = await Create();
        await Index(s);
        const string question = "Как вернуть деньги за заказ?";

        var result = await s.Retriever.Search(s.Account, s.Assistant, question, null, RetrievalSettings.Default);

        // No word of the question is in the document: only the provider's vectors can find it.
        Assert.Empty(await s.Store.FullText(s.Assistant, question, 10));
        var top = result.Hits[0];
        Assert.Equal("Refunds", top.Source.Heading);
        Assert.True(top.Vector > 0.8, $"cosine {top.Vector}");
        Assert.True(top.Relevant);
        // The question's own embedding was one input, metered to the account too.
        Assert.Equal(1, fixture.Fake.EmbeddingRequests.Last(r => r.Key == s.Key).Inputs);
    }

    [Fact]
    public async Task A_question_is_searched_by_words_alone_while_the_provider_refuses()
    {
        var s = await Create();
        await Index(s);
        fixture.Fake.For(s.Key).RateLimitedRetryAfterSeconds = 30;
        try
        {
            var result = await s.Retriever.Search(s.Account, s.Assistant, "how long does shipping take", null, RetrievalSettings.Default);

            Assert.Equal("Shipping", result.Hits[0].Source.Heading);
            Assert.All(result.Hits, h => Assert.Null(h.Vector));
            Assert.Equal(429, fixture.Fake.ServedTo(s.Key)[^1].Status);
        }
        finally
        {
            fixture.Fake.For(s.Key).RateLimitedRetryAfterSeconds = null;
        }
    }

    [Fact]
    public async Task A_document_fails_with_its_reason_when_no_key_serves_the_embedding_model()
    {
        var s = await Create() with { };
        var options = Options.Create(new KnowledgeOptions());
        var unserved = new DocumentPipeline(s.Store, new IndexingWorkers(options),
            new ConfiguredEmbedder(new ProviderEmbedder(fixture.Router, "no-such-embedding-model", null)), options, TimeProvider.System);

        var done = await Index(s with { Pipeline = unserved });

        Assert.Equal(DocumentStatus.Failed, done.Status);
        Assert.Contains("no-such-embedding-model", done.Error);
        Assert.Equal(0, (await s.Store.Stamp(s.Assistant)));
    }
}
