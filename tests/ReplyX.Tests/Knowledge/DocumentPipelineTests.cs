using Microsoft.Extensions.Options;
using ReplyX.Knowledge;

namespace ReplyX.Tests.Knowledge;

public sealed class DocumentPipelineTests
{
    /// <summary>A deterministic embedder that counts what it was asked to embed (our own interface, not a client library).</summary>
    private sealed class CountingEmbedder : ISentenceModel
    {
        public List<string> Embedded { get; } = [];

        public Func<bool> FailNow { get; set; } = () => false;

        public string Model { get; init; } = "counting";

        public bool Supports(string language) => true;

        public float[][] Embed(IReadOnlyList<string> texts)
        {
            if (FailNow())
            {
                throw new IOException("the embedding process died");
            }
            lock (Embedded)
            {
                Embedded.AddRange(texts);
            }
            return texts.Select(t => Vectors.Normalize([t.Length, 1, t.Count(char.IsUpper) + 1])).ToArray();
        }
    }

    private static readonly string Text = string.Join("\n\n", Enumerable.Range(1, 12).Select(i => $"# Раздел {i}\n\nАбзац номер {i} о доставке заказов."));

    private static (DocumentPipeline Pipeline, InMemoryKnowledgeStore Store) Pipeline(CountingEmbedder embedder, InMemoryKnowledgeStore? existing = null)
    {
        var store = existing ?? new InMemoryKnowledgeStore();
        var options = Options.Create(new KnowledgeOptions { EmbeddingBatch = 4 });
        var workers = new IndexingWorkers(options);
        return (new DocumentPipeline(store, workers, new ConfiguredEmbedder(new LocalEmbedder(embedder, workers)), options, TimeProvider.System), store);
    }

    private static async Task<KnowledgeDocument> Stored(InMemoryKnowledgeStore store)
    {
        var now = DateTimeOffset.UtcNow;
        var doc = new KnowledgeDocument(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "a.md", FileFormat.Markdown, Text.Length, DocumentStatus.Processing,
            null, 0, 0, 0, null, true, 1, 0, null, now, now);
        await store.Save(doc);
        await store.SaveFile(doc.Id, 1, TestDocuments.Utf8(Text));
        return doc;
    }

    [Fact]
    public async Task A_new_model_re_embeds_a_ready_document_which_stays_searchable_meanwhile()
    {
        var (first, store) = Pipeline(new CountingEmbedder());
        var ready = await first.Run(await Stored(store), store.Save, () => false);
        var successor = new CountingEmbedder { Model = "counting-v2" };
        var (second, _) = Pipeline(successor, store);
        var calls = 0;
        successor.FailNow = () => ++calls == 2; // the silo dies after the first batch
        var steps = new List<KnowledgeDocument>();

        await Assert.ThrowsAsync<IOException>(() => second.Reembed(ready, d => { steps.Add(d); return store.Save(d); }, () => false));
        Assert.Equal(DocumentStatus.Ready, (await store.Get(ready.Id))!.Status); // still answering, by words and old vectors
        Assert.Equal(12, (await store.Vectors(ready.AssistantId, "counting")).Keys.Length);
        Assert.Equal(5, (await store.FullText(ready.AssistantId, "доставка", 5)).Count);
        Assert.All(steps, s => Assert.Equal(DocumentStatus.Ready, s.Status));

        successor.Embedded.Clear();
        var done = await second.Reembed((await store.Get(ready.Id))!, store.Save, () => false);

        Assert.Equal("counting-v2", done!.EmbeddingModel);
        Assert.Equal(8, successor.Embedded.Count); // the first batch of four was kept
        Assert.Equal(12, (await store.Vectors(ready.AssistantId, "counting-v2")).Keys.Length);
        Assert.Empty((await store.Vectors(ready.AssistantId, "counting")).Keys);
        Assert.Null(await second.Reembed(done, store.Save, () => false)); // nothing left to do
    }

    [Fact]
    public async Task A_run_cut_short_resumes_without_embedding_again_what_was_stored()
    {
        var embedder = new CountingEmbedder();
        var (pipeline, store) = Pipeline(embedder);
        var doc = await Stored(store);
        var calls = 0;
        embedder.FailNow = () => ++calls == 3; // the third batch dies, as a silo would mid-document
        var steps = new List<KnowledgeDocument>();

        await Assert.ThrowsAsync<IOException>(() => pipeline.Run(doc, d => { steps.Add(d); return store.Save(d); }, () => false));
        Assert.Equal(8, embedder.Embedded.Count); // two batches of four were stored
        Assert.Equal(DocumentStatus.Processing, (await store.Get(doc.Id))!.Status);
        Assert.Equal(8, (await store.Get(doc.Id))!.ChunksDone);
        Assert.Empty(await store.FullText(doc.AssistantId, "доставка", 5)); // nothing searchable before it is ready

        embedder.Embedded.Clear();
        var done = await pipeline.Run((await store.Get(doc.Id))!, store.Save, () => false);

        Assert.Equal(DocumentStatus.Ready, done.Status);
        Assert.Equal((12, 12), (done.ChunksDone, done.ChunksTotal));
        Assert.Equal(4, embedder.Embedded.Count); // only the chunks without a vector
        Assert.Equal(12, (await store.Vectors(doc.AssistantId, "counting")).Keys.Length);
        Assert.Equal(5, (await store.FullText(doc.AssistantId, "доставка", 5)).Count);
        Assert.Equal(Enumerable.Range(0, 12).ToHashSet(), (await store.Embedded(doc.Id, 1, "counting")).ToHashSet());
    }

    [Fact]
    public async Task A_superseded_run_stops_and_activates_nothing()
    {
        var embedder = new CountingEmbedder();
        var (pipeline, store) = Pipeline(embedder);
        var doc = await Stored(store);
        var batches = 0;

        var result = await pipeline.Run(doc, store.Save, () => ++batches > 1);

        Assert.Equal(DocumentStatus.Processing, result.Status);
        Assert.Equal(4, embedder.Embedded.Count);
        Assert.Equal(0, (await store.Get(doc.Id))!.ActiveVersion);
        Assert.Equal(0, await store.Stamp(doc.AssistantId));
    }

    [Fact]
    public async Task A_missing_file_or_an_unreadable_one_fails_the_version_with_its_reason()
    {
        var (pipeline, store) = Pipeline(new CountingEmbedder());
        var now = DateTimeOffset.UtcNow;
        var missing = new KnowledgeDocument(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "a.md", FileFormat.Markdown, 1, DocumentStatus.Processing,
            null, 0, 0, 0, null, true, 1, 0, null, now, now);
        Assert.Contains("missing", (await pipeline.Run(missing, store.Save, () => false)).Error);

        var scan = missing with { Id = Guid.NewGuid(), Format = FileFormat.Pdf };
        await store.Save(scan);
        await store.SaveFile(scan.Id, 1, TestDocuments.PdfWithoutText(1));
        var failed = await pipeline.Run(scan, store.Save, () => false);
        Assert.Equal(DocumentStatus.Failed, failed.Status);
        Assert.Contains("no text layer", (await store.Get(scan.Id))!.Error);
    }
}
