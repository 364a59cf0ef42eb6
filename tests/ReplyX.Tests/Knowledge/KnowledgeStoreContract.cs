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
    protected readonly Guid _assistant = Guid.NewGuid();

    protected static DocumentChunk Chunk(int position, string text, string? heading = null, int? page = null) => new(position, heading, page, text, Chunker.Tokens(text));

    protected static float[] Unit(params float[] v) => Vectors.Normalize(v);

    /// <summary>A document whose version <paramref name="version"/> has <paramref name="chunks"/> (and their vectors), activated.</summary>
    private Task<KnowledgeDocument> Ready(string name, string language, int version, Guid? id = null, params (DocumentChunk Chunk, float[] Vector)[] chunks) =>
        Ready(_assistant, name, language, version, id, chunks);

    protected async Task<KnowledgeDocument> Ready(Guid assistant, string name, string language, int version, Guid? id = null, params (DocumentChunk Chunk, float[] Vector)[] chunks)
    {
        var doc = new KnowledgeDocument(id ?? Guid.NewGuid(), _account, assistant, name, FileFormat.Markdown, 10, DocumentStatus.Processing, null, 0, 0, 0, language,
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
    public async Task Trigrams_find_inflected_and_misspelt_words_and_nothing_unlike_them()
    {
        var ru = await Ready("доставка.md", "ru", 1, null,
            (Chunk(0, "Доставка бесплатная по всей Москве."), Unit(1, 0, 0)),
            (Chunk(1, "Доставкой занимается курьерская служба."), Unit(0, 1, 0)),
            (Chunk(2, "Гарантия на технику составляет один год."), Unit(0, 0, 1)));
        var en = await Ready("refunds.md", "en", 1, null,
            (Chunk(0, "Refunds are issued to the original card.", "Payments"), Unit(1, 1, 0)));

        Assert.Equal(new ChunkKey(ru.Id, 0), (await Store.Trigram(_assistant, "доставка", 5))[0].Key); // the word as it is, first
        Assert.Equal(new ChunkKey(ru.Id, 1), (await Store.Trigram(_assistant, "доставкой", 5))[0].Key);
        Assert.Contains(new ChunkKey(ru.Id, 0), (await Store.Trigram(_assistant, "доствка", 5)).Select(h => h.Key)); // a letter missing
        Assert.Equal(new ChunkKey(ru.Id, 2), (await Store.Trigram(_assistant, "гарантией на технику", 5))[0].Key);
        Assert.Equal(new ChunkKey(en.Id, 0), (await Store.Trigram(_assistant, "is it refundable", 5))[0].Key);
        Assert.Equal(new ChunkKey(en.Id, 0), (await Store.Trigram(_assistant, "refund", 5))[0].Key);
        Assert.Empty(await Store.Trigram(_assistant, "xyzzy quux", 5));
        Assert.Empty(await Store.Trigram(_assistant, "", 5));
    }

    [Fact]
    public async Task Trigrams_see_only_the_searchable_chunks_of_their_own_assistant()
    {
        var doc = await Ready("tariffs.md", "ru", 1, null, (Chunk(0, "Тариф Базовый стоит пятьсот рублей."), Unit(1, 0)));
        var other = Guid.NewGuid();
        var elsewhere = await Ready(other, "warranty.md", "ru", 1, null, (Chunk(0, "Гарантия на технику составляет один год."), Unit(1, 0)));

        // Another assistant's words are not this one's, and back.
        Assert.Equal(new ChunkKey(elsewhere.Id, 0), (await Store.Trigram(other, "гарантией", 5)).Single().Key);
        Assert.Empty(await Store.Trigram(_assistant, "гарантией", 5));
        Assert.Empty(await Store.Trigram(other, "базовым тарифом", 5));

        // A version not yet active is not searched; once activated, the replaced version's words are not either.
        await Store.Save(doc with { Version = 2, Status = DocumentStatus.Processing });
        await Store.SaveChunks(doc.Id, 2, "ru", [Chunk(0, "Тариф Максимум стоит тысячу рублей.")]);
        Assert.Equal(new ChunkKey(doc.Id, 0), (await Store.Trigram(_assistant, "базовым", 5)).Single().Key);
        Assert.Empty(await Store.Trigram(_assistant, "максимума", 5));
        await Store.Activate(doc with { Version = 2, Status = DocumentStatus.Ready }, 2);
        Assert.Empty(await Store.Trigram(_assistant, "базовым", 5));
        Assert.Equal(new ChunkKey(doc.Id, 0), (await Store.Trigram(_assistant, "максимума", 5)).Single().Key);

        // Disabled, then enabled again.
        await Store.Save((await Store.Get(doc.Id))! with { Enabled = false });
        Assert.Empty(await Store.Trigram(_assistant, "максимума", 5));
        await Store.Save((await Store.Get(doc.Id))! with { Enabled = true });
        Assert.Single(await Store.Trigram(_assistant, "максимума", 5));

        Assert.True(await Store.Delete(_account, doc.Id));
        Assert.Empty(await Store.Trigram(_assistant, "максимума", 5));
        Assert.Single(await Store.Trigram(other, "гарантией", 5));
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

    [Fact]
    public async Task The_vocabulary_holds_the_words_of_the_stored_versions_and_no_others()
    {
        var account = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var doc = new KnowledgeDocument(Guid.NewGuid(), account, _assistant, "a.md", FileFormat.Markdown, 1, DocumentStatus.Processing, null, 0, 0, 0, "ru",
            true, 1, 0, null, now, now);
        var kept = doc with { Id = Guid.NewGuid(), FileName = "b.md" };
        await Store.Save(doc);
        await Store.Save(kept);
        await Store.SaveChunks(kept.Id, 1, "ru", [Chunk(0, "Общий тариф и гарантия.")]);
        await Store.Activate(kept with { Status = DocumentStatus.Ready }, 1);
        await Store.SaveChunks(doc.Id, 1, "ru", [Chunk(0, "Общий тариф Базовый стоит пятьсот рублей."), Chunk(1, "Базовый для всех.")]);
        await Store.SaveChunks(doc.Id, 1, "ru", [Chunk(0, "Общий тариф Старт стоит пятьсот рублей.")]); // a run of the same version again
        Assert.Equal(await Derived(), await Vocabulary());
        Assert.DoesNotContain("базовый", (await Vocabulary()).Keys);
        Assert.Equal(2, (await Vocabulary())["общий"]);

        await Store.Activate(doc with { Status = DocumentStatus.Ready }, 1);
        await Store.Save(doc with { Version = 2, ActiveVersion = 1 });
        await Store.SaveChunks(doc.Id, 2, "ru", [Chunk(0, "Общий тариф Максимум стоит тысячу рублей.")]);
        Assert.Equal(3, (await Vocabulary())["общий"]); // both versions and the other document
        Assert.Equal(await Derived(), await Vocabulary());
        await Store.Activate(doc with { Version = 2, Status = DocumentStatus.Ready }, 2);
        Assert.Equal(await Derived(), await Vocabulary());
        Assert.DoesNotContain("старт", (await Vocabulary()).Keys);
        Assert.Contains("максимум", (await Vocabulary()).Keys);

        Assert.True(await Store.Delete(account, doc.Id));
        Assert.Equal(await Derived(), await Vocabulary());
        Assert.Equal(["гарантия", "общий", "тариф"], (await Vocabulary()).Keys.Order());

        Task<Dictionary<string, int>> Derived() => Query("""
            SELECT w, count(DISTINCT (c.document_id, c.version))::int FROM knowledge_chunks c, unnest(c.words) w WHERE c.assistant_id = @assistant GROUP BY w
            """);
    }

    private Task<Dictionary<string, int>> Vocabulary() => Query("SELECT term, refs FROM knowledge_terms WHERE assistant_id = @assistant");

    private async Task<Dictionary<string, int>> Query(string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("assistant", _assistant);
        await using var reader = await command.ExecuteReaderAsync();
        var map = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            map[reader.GetString(0)] = reader.GetInt32(1);
        }
        return map;
    }
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
