using ReplyX.Knowledge;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Knowledge;

/// <summary>What every <see cref="IKnowledgeStore"/> must do: the embedded default's (Lucene) and PostgreSQL's (tsvector, pg_trgm, real[]).</summary>
public abstract class KnowledgeStoreContract
{
    protected abstract IKnowledgeStore Store { get; }

    /// <summary>The database searches vectors itself (pgvector); otherwise <see cref="IKnowledgeStore.Nearest"/> is null.</summary>
    protected virtual bool NativeVectors => false;

    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);
    private readonly Guid _account = Guid.NewGuid();
    private readonly Guid _assistant = Guid.NewGuid();

    private static DocumentChunk Chunk(int position, string text, string? heading = null, int? page = null) => new(position, heading, page, text, Chunker.Tokens(text));

    private static float[] Unit(params float[] v) => Vectors.Normalize(v);

    /// <summary>A document whose version <paramref name="version"/> has <paramref name="chunks"/> (and their vectors), activated.</summary>
    private async Task<KnowledgeDocument> Ready(string name, string language, int version, Guid? id = null, params (DocumentChunk Chunk, float[] Vector)[] chunks)
    {
        var doc = new KnowledgeDocument(id ?? Guid.NewGuid(), _account, _assistant, name, FileFormat.Markdown, 10, DocumentStatus.Processing, null, 0, 0, 0, language,
            true, version, version == 1 ? 0 : version - 1, "test-model", T0, T0);
        if (id is not null)
        {
            doc = (await Store.Get(id.Value))! with { Version = version, Status = DocumentStatus.Processing };
        }
        await Store.Save(doc);
        await Store.SaveFile(doc.Id, version, [1, 2, 3]);
        await Store.SaveChunks(doc.Id, version, language, chunks.Select(c => c.Chunk).ToList());
        await Store.SaveEmbeddings(doc.Id, version, "test-model", chunks.Select(c => (c.Chunk.Position, c.Vector)).ToList());
        var ready = doc with { Status = DocumentStatus.Ready, ChunksDone = chunks.Length, ChunksTotal = chunks.Length, ActiveVersion = version };
        await Store.Activate(ready, version);
        await Store.Save(ready);
        return ready;
    }

    [Fact]
    public async Task Full_text_finds_word_forms_in_each_language_and_trigrams_rank_partial_words()
    {
        Assert.Equal(0, await Store.Stamp(_assistant));
        var ru = await Ready("доставка.md", "ru", 1, null,
            (Chunk(0, "Курьер доставляет заказы по Москве за один день.", "Доставка", 1), Unit(1, 0, 0)),
            (Chunk(1, "Вернуть товар можно в течение четырнадцати дней.", "Возврат", 2), Unit(0, 1, 0)));
        var en = await Ready("billing.md", "en", 1, null,
            (Chunk(0, "Invoices are emailed on the first day of every month.", "Invoices"), Unit(0, 0, 1)));
        Assert.NotEqual(0, await Store.Stamp(_assistant));

        var delivery = await Store.FullText(_assistant, "доставка заказа курьером", 5);
        Assert.Equal(new ChunkKey(ru.Id, 0), delivery[0].Key); // доставка ~ Доставка (heading), заказа ~ заказы, курьером ~ Курьер
        var invoice = await Store.FullText(_assistant, "when is my invoice emailed", 5);
        Assert.Equal([new ChunkKey(en.Id, 0)], invoice.Select(h => h.Key));
        Assert.Equal(new ChunkKey(ru.Id, 1), (await Store.Trigram(_assistant, "возвраты товаров", 5))[0].Key);
        Assert.Empty(await Store.FullText(_assistant, "погода", 5));
        Assert.Empty(await Store.FullText(Guid.NewGuid(), "доставка", 5)); // another assistant sees nothing

        var chunks = await Store.Read([new ChunkKey(ru.Id, 0), new ChunkKey(en.Id, 0)]);
        Assert.Equal(["доставка.md", "billing.md"], chunks.Select(c => c.FileName));
        Assert.Equal(("Доставка", 1, "ru"), (chunks[0].HeadingPath, chunks[0].Page, chunks[0].Language));

        var vectors = await Store.Vectors(_assistant, "test-model");
        Assert.Equal(3, vectors.Dimensions);
        Assert.Equal(3, vectors.Keys.Length);
        Assert.Equal(new ChunkKey(en.Id, 0), Vectors.TopK(vectors, Unit(0.1f, 0, 1), 1)[0].Key);
        Assert.Empty((await Store.Vectors(_assistant, "another-model")).Keys);

        var nearest = await Store.Nearest(_assistant, "test-model", Unit(0.1f, 0, 1), 2);
        if (NativeVectors)
        {
            // The database's answer is the exact scan's.
            Assert.Equal(Vectors.TopK(vectors, Unit(0.1f, 0, 1), 2).Select(h => h.Key), nearest!.Select(h => h.Key));
            Assert.Equal(Vectors.TopK(vectors, Unit(0.1f, 0, 1), 2)[0].Score, nearest![0].Score, 4);
            Assert.Empty((await Store.Nearest(_assistant, "another-model", Unit(0.1f, 0, 1), 2))!);
        }
        else
        {
            Assert.Null(nearest);
        }
    }

    [Fact]
    public async Task A_replacement_swaps_chunks_at_activation_and_disable_and_delete_hide_them()
    {
        var doc = await Ready("tariffs.md", "ru", 1, null, (Chunk(0, "Тариф Базовый стоит пятьсот рублей."), Unit(1, 0)));
        var stamp = await Store.Stamp(_assistant);

        // Version 2 is written beside version 1: searches keep finding version 1 until it is activated.
        await Store.Save(doc with { Version = 2, Status = DocumentStatus.Processing });
        await Store.SaveFile(doc.Id, 2, [4, 5]);
        await Store.SaveChunks(doc.Id, 2, "ru", [Chunk(0, "Тариф Максимум стоит тысячу рублей.")]);
        Assert.Equal(new ChunkKey(doc.Id, 0), (await Store.FullText(_assistant, "базовый", 5)).Single().Key);
        Assert.Empty(await Store.FullText(_assistant, "максимум", 5));
        Assert.Equal([1, 2, 3], await Store.ReadFile(doc.Id, 1));
        Assert.Equal([0], (await Store.Chunks(doc.Id, 2)).Select(c => c.Position));
        Assert.Empty(await Store.Embedded(doc.Id, 2, "test-model"));
        await Store.SaveEmbeddings(doc.Id, 2, "test-model", [(0, Unit(0, 1))]);
        Assert.Equal([0], await Store.Embedded(doc.Id, 2, "test-model"));

        await Store.Activate(doc with { Version = 2, Status = DocumentStatus.Ready }, 2);
        Assert.Empty(await Store.FullText(_assistant, "базовый", 5));
        Assert.Single(await Store.FullText(_assistant, "максимум", 5));
        Assert.Null(await Store.ReadFile(doc.Id, 1));
        Assert.Equal(2, (await Store.Get(doc.Id))!.ActiveVersion);
        Assert.NotEqual(stamp, await Store.Stamp(_assistant));

        await Store.Save((await Store.Get(doc.Id))! with { Enabled = false });
        Assert.Empty(await Store.FullText(_assistant, "максимум", 5));
        Assert.Empty(await Store.Trigram(_assistant, "максимум", 5));
        Assert.Empty((await Store.Vectors(_assistant, "test-model")).Keys);
        Assert.Equal(0, await Store.Stamp(_assistant));
        await Store.Save((await Store.Get(doc.Id))! with { Enabled = true });
        Assert.Single(await Store.FullText(_assistant, "максимум", 5));

        Assert.False(await Store.Delete(Guid.NewGuid(), doc.Id)); // another account's call
        Assert.True(await Store.Delete(_account, doc.Id));
        Assert.Null(await Store.Get(doc.Id));
        Assert.Empty(await Store.FullText(_assistant, "максимум", 5));
        Assert.Empty(await Store.Read([new ChunkKey(doc.Id, 0)]));
        Assert.Empty(await Store.List(_account, _assistant));
    }

    [Fact]
    public async Task Documents_of_another_model_are_stale_until_re_embedded_which_drops_the_old_vectors()
    {
        var doc = await Ready("policy.md", "en", 1, null,
            (Chunk(0, "Refunds reach your card within five days."), Unit(1, 0, 0)),
            (Chunk(1, "Shipping is free above fifty euros."), Unit(0, 1, 0)));
        async Task<bool> Stale(string model) => (await Store.Stale(model, 10_000)).Any(d => d.Id == doc.Id);
        Assert.True(await Stale("new-model"));
        Assert.False(await Stale("test-model"));
        var stamp = await Store.Stamp(_assistant);
        await Store.SaveEmbeddings(doc.Id, 1, "new-model", [(0, Unit(0, 0, 1)), (1, Unit(0, 1, 1))]);

        Assert.Null(await Store.Reembedded(doc.Id, 2, "new-model", T0.AddMinutes(1))); // not the active version: nothing changes
        Assert.Equal(2, (await Store.Vectors(_assistant, "test-model")).Keys.Length);
        var done = await Store.Reembedded(doc.Id, 1, "new-model", T0.AddMinutes(1));

        Assert.Equal(("new-model", DocumentStatus.Ready, 1), (done!.EmbeddingModel, done.Status, done.ActiveVersion));
        Assert.Equal("new-model", (await Store.Get(doc.Id))!.EmbeddingModel);
        Assert.False(await Stale("new-model"));
        Assert.NotEqual(stamp, await Store.Stamp(_assistant)); // silos reload the assistant's vectors
        Assert.Empty((await Store.Vectors(_assistant, "test-model")).Keys);
        Assert.Equal(2, (await Store.Vectors(_assistant, "new-model")).Keys.Length);
        Assert.Equal(new ChunkKey(doc.Id, 0), (await Store.FullText(_assistant, "refunds", 5)).Single().Key);
    }

    [Fact]
    public async Task Documents_are_listed_per_account_and_assistant_and_unfinished_ones_are_found()
    {
        var doc = await Ready("a.md", "en", 1, null, (Chunk(0, "alpha"), Unit(1, 0)));
        var processing = new KnowledgeDocument(Guid.NewGuid(), _account, _assistant, "b.md", FileFormat.Text, 5, DocumentStatus.Processing, null,
            0, 0, 0, null, true, 1, 0, null, T0.AddSeconds(1), T0.AddSeconds(1));
        await Store.Save(processing);

        Assert.Equal([doc.Id, processing.Id], (await Store.List(_account, _assistant)).Select(d => d.Id));
        Assert.Empty(await Store.List(Guid.NewGuid(), _assistant));
        Assert.Contains(processing.Id, (await Store.Unfinished(1000)).Select(d => d.Id));
        Assert.DoesNotContain(doc.Id, (await Store.Unfinished(1000)).Select(d => d.Id));
        Assert.Equal(processing, await Store.Get(processing.Id));
    }
}

public sealed class InMemoryKnowledgeStoreTests : KnowledgeStoreContract
{
    protected override IKnowledgeStore Store { get; } = new InMemoryKnowledgeStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresKnowledgeStoreTests(MigratedDatabase database) : KnowledgeStoreContract, IClassFixture<MigratedDatabase>
{
    protected override IKnowledgeStore Store { get; } = new PostgresKnowledgeStore(database.DataSource);
}

/// <summary>
/// The PostgreSQL store on a server with pgvector: PGlite with its vector extension, started by the test script
/// (<c>REPLYX_TEST_PGVECTOR</c>), since Debian 12 packages no pgvector.
/// </summary>
public sealed class PgvectorDatabase : IAsyncLifetime
{
    public Npgsql.NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var connectionString = Environment.GetEnvironmentVariable("REPLYX_TEST_PGVECTOR")
            ?? throw new InvalidOperationException("REPLYX_TEST_PGVECTOR is not set: run the tests with scripts/test.sh (it starts PGlite with pgvector).");
        DataSource = ReplyX.Hosting.StorageHosting.CreateDataSource(connectionString);
        await new ReplyX.Hosting.DatabaseMigrator(DataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<ReplyX.Hosting.DatabaseMigrator>.Instance).MigrateAsync();
    }

    public async Task DisposeAsync() => await DataSource.DisposeAsync();
}

public sealed class PgvectorKnowledgeStoreTests(PgvectorDatabase database) : KnowledgeStoreContract, IClassFixture<PgvectorDatabase>
{
    protected override IKnowledgeStore Store { get; } = new PostgresKnowledgeStore(database.DataSource);

    protected override bool NativeVectors => true;
}
