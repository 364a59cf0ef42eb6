using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using ReplyX.Hosting;
using ReplyX.Knowledge;
using ReplyX.Tests.Knowledge;

namespace ReplyX.Bench;

/// <summary>
/// The knowledge base's costs: indexing throughput per format and embedder (the real pipeline over a 100-page
/// document made from the evaluation set's text), and search latency at 10k and 100k chunks per assistant for
/// each store path (synthetic chunks of the same vocabulary, random unit vectors: latency does not depend on
/// what the vectors mean; the query is embedded by MiniLM as in production). The database stores keep every
/// size's assistant in one database, so each bigger assistant is a neighbour of the smaller ones: after the
/// last size the smaller assistants are searched again, beside it.
/// </summary>
public static class KnowledgeBench
{
    public static async Task Run(int[] sizes, int queries, string? postgres, string? pgvector, IReadOnlySet<string> stores, string evalFolder)
    {
        var paragraphs = Paragraphs(evalFolder);
        using var miniLm = new MiniLmEmbedder();
        Console.WriteLine($"ReplyX knowledge benchmark, {Environment.ProcessorCount} cores, Knowledge:Parallelism 1");
        Console.WriteLine();
        Console.WriteLine("| format | embedder | pages | chunks | seconds | pages/s | chunks/s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var embedder in stores.Contains("indexing") ? new ISentenceModel?[] { null, miniLm } : [])
        {
            foreach (var format in new[] { FileFormat.Text, FileFormat.Markdown, FileFormat.Docx, FileFormat.Pdf })
            {
                var (bytes, pages) = Document(format, paragraphs, 100);
                await Index(format, bytes, pages, embedder);
            }
        }
        Console.WriteLine();
        Console.WriteLine("| store | chunks | load s | search p50 ms | p99 ms | max ms | (query embedding included) | full text p50 / p99 ms | trigram p50 / p99 ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        var words = string.Join(' ', paragraphs).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var questions = paragraphs.Select(p => string.Join(' ', p.Split(' ').Skip(3).Take(8))).ToArray();
        await using var pg = postgres is not null && stores.Contains("postgres") ? StorageHosting.CreateDataSource(postgres) : null;
        await using var lite = pgvector is not null && stores.Contains("pgvector") ? StorageHosting.CreateDataSource(pgvector) : null;
        var loaded = new List<(string Name, IKnowledgeStore Store, int Size, Guid Assistant)>();
        foreach (var db in new[] { pg, lite })
        {
            if (db is not null)
            {
                await Migrate(db);
            }
        }
        foreach (var size in sizes)
        {
            if (stores.Contains("memory"))
            {
                using var memory = new InMemoryKnowledgeStore();
                await Search("memory (Lucene + SIMD scan)", memory, size, await Load(memory, size, words, miniLm), questions, queries, miniLm);
            }
            if (pg is not null)
            {
                var store = new PostgresKnowledgeStore(pg);
                const string Name = "PostgreSQL (tsvector, trigram vocabulary, real[] + SIMD scan)";
                var assistant = await Load(store, size, words, miniLm);
                await Search(Name, store, size, assistant, questions, queries, miniLm);
                loaded.Add((Name, store, size, assistant));
            }
            if (lite is not null)
            {
                var store = new PostgresKnowledgeStore(lite);
                const string Name = "PGlite + pgvector (HNSW)";
                var assistant = await Load(store, size, words, miniLm);
                await Search(Name, store, size, assistant, questions, queries, miniLm);
                loaded.Add((Name, store, size, assistant));
            }
        }
        // Each smaller assistant again, now that the bigger ones share its tables and indexes.
        var biggest = sizes.Max();
        foreach (var (name, store, size, assistant) in loaded.Where(l => l.Size < biggest))
        {
            await Search($"{name}, beside {string.Join(" + ", loaded.Where(l => l.Name == name && l.Assistant != assistant).Select(l => l.Size))}",
                store, size, assistant, questions, queries, miniLm, load: null);
        }
    }

    private static Task Migrate(NpgsqlDataSource db) =>
        new DatabaseMigrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseMigrator>.Instance).MigrateAsync();

    /// <summary>The evaluation set's paragraphs (Russian and English support text), the material of every benchmark document.</summary>
    public static string[] Paragraphs(string evalFolder) =>
        Directory.GetFiles(Path.Combine(evalFolder, "docs"), "*.md").Order()
            .SelectMany(f => File.ReadAllText(f).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            .Where(p => !p.StartsWith('#') && !p.StartsWith('|') && p.Length > 80).Select(p => p.Replace('\n', ' ').Trim()).ToArray();

    public static string EvalFolder => Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "tests", "ReplyX.Tests", "Knowledge", "Eval");

    public static (byte[] Bytes, int Pages) Document(FileFormat format, string[] paragraphs, int pages)
    {
        // About 400 words a page, as a dense support manual.
        var pageTexts = Enumerable.Range(0, pages).Select(p => Enumerable.Range(0, 3).Select(i => paragraphs[(p * 3 + i) % paragraphs.Length]).ToArray()).ToArray();
        switch (format)
        {
            case FileFormat.Pdf:
                // The test font has no rouble sign.
                return (TestDocuments.Pdf(pageTexts.Select(page => page.SelectMany(p => Wrap(p.Replace("₽", "руб."), 95).Append("")).ToArray()).ToArray()), pages);
            case FileFormat.Docx:
                return (TestDocuments.Docx(pageTexts.SelectMany((page, i) => page.Select(TestDocuments.Text).Prepend(TestDocuments.Heading("Section " + (i + 1), 2)))
                    .Cast<DocumentFormat.OpenXml.OpenXmlElement>().ToArray()), pages);
            default:
                var sb = new StringBuilder();
                for (var i = 0; i < pages; i++)
                {
                    sb.Append(format == FileFormat.Markdown ? $"## Section {i + 1}\n\n" : "").AppendJoin("\n\n", pageTexts[i]).Append("\n\n");
                }
                return (Encoding.UTF8.GetBytes(sb.ToString()), pages);
        }
    }

    private static IEnumerable<string> Wrap(string text, int width)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length + word.Length + 1 > width)
            {
                yield return line.ToString();
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        yield return line.ToString();
    }

    private static async Task Index(FileFormat format, byte[] bytes, int pages, ISentenceModel? embedder)
    {
        using var store = new InMemoryKnowledgeStore();
        var options = Options.Create(new KnowledgeOptions());
        var workers = new IndexingWorkers(options);
        var pipeline = new DocumentPipeline(store, workers, new ConfiguredEmbedder(embedder is null ? null : new LocalEmbedder(embedder, workers)), options, TimeProvider.System);
        var now = DateTimeOffset.UtcNow;
        var doc = new KnowledgeDocument(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "bench", format, bytes.Length, DocumentStatus.Processing,
            null, 0, 0, 0, null, true, 1, 0, null, now, now);
        await store.Save(doc);
        await store.SaveFile(doc.Id, 1, bytes);
        var watch = Stopwatch.StartNew();
        var done = await pipeline.Run(doc, store.Save, () => false);
        var seconds = watch.Elapsed.TotalSeconds;
        if (done.Status != DocumentStatus.Ready)
        {
            throw new InvalidOperationException($"{format}: {done.Status} {done.Error}");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {format.ToString().ToLowerInvariant()} | {embedder?.Model ?? "none"} | {pages} | {done.ChunksTotal} | {seconds:0.0} | {pages / seconds:0.0} | {done.ChunksTotal / seconds:0.0} |"));
    }

    /// <summary>A new assistant with <paramref name="size"/> synthetic chunks (documents of 1,000), embedded with random unit vectors.</summary>
    private static async Task<Guid> Load(IKnowledgeStore store, int size, string[] words, MiniLmEmbedder embedder)
    {
        var random = new Random(42);
        var assistant = Guid.NewGuid();
        var watch = Stopwatch.StartNew();
        const int PerDocument = 1000;
        for (var d = 0; d < size / PerDocument; d++)
        {
            var now = DateTimeOffset.UtcNow;
            var doc = new KnowledgeDocument(Guid.NewGuid(), Guid.NewGuid(), assistant, $"doc-{d}.md", FileFormat.Markdown, 1, DocumentStatus.Processing,
                null, 0, 0, 0, "en", true, 1, 0, embedder.Model, now, now);
            await store.Save(doc);
            var chunks = Enumerable.Range(0, PerDocument)
                .Select(i => new DocumentChunk(i, $"Section {i % 50}", null, string.Join(' ', Enumerable.Range(0, 60).Select(_ => words[random.Next(words.Length)])), 80))
                .ToList();
            await store.SaveChunks(doc.Id, 1, "en", chunks);
            foreach (var batch in chunks.Chunk(250))
            {
                await store.SaveEmbeddings(doc.Id, 1, embedder.Model, batch.Select(c => (c.Position, RandomUnit(random, 384))).ToList());
            }
            await store.Activate(doc with { Status = DocumentStatus.Ready, ActiveVersion = 1 }, 1);
        }
        LastLoad = watch.Elapsed.TotalSeconds;
        return assistant;
    }

    private static double LastLoad;

    private static Task Search(string name, IKnowledgeStore store, int size, Guid assistant, string[] questions, int queries, MiniLmEmbedder embedder) =>
        Search(name, store, size, assistant, questions, queries, embedder, LastLoad);

    private static async Task Search(string name, IKnowledgeStore store, int size, Guid assistant, string[] questions, int queries, MiniLmEmbedder embedder,
        double? load)
    {
        var options = Options.Create(new KnowledgeOptions());
        var retriever = new HybridRetriever(store, new KnowledgeCache(store, TimeProvider.System, options), new ConfiguredEmbedder(new LocalEmbedder(embedder, new IndexingWorkers(options))), options);
        await retriever.Search(null, assistant, questions[0], null, RetrievalSettings.Default); // loads the silo's vector matrix where it needs one
        var times = new List<double>(queries);
        var fullText = new List<double>(queries);
        var trigram = new List<double>(queries);
        for (var q = 0; q < queries; q++)
        {
            var question = questions[q % questions.Length];
            var start = Stopwatch.GetTimestamp();
            var result = await retriever.Search(null, assistant, question, null, RetrievalSettings.Default);
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (result.Hits.Count == 0)
            {
                throw new InvalidOperationException($"{name}: no hits for '{question}'");
            }
            // Each lexical retriever alone, as the fusion calls it.
            start = Stopwatch.GetTimestamp();
            await store.FullText(assistant, question, options.Value.Candidates);
            fullText.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            start = Stopwatch.GetTimestamp();
            await store.Trigram(assistant, question, options.Value.Candidates);
            trigram.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        times.Sort();
        fullText.Sort();
        trigram.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {size} | {(load is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "")} | {times[times.Count / 2]:0.0} | {times[(int)(times.Count * 0.99)]:0.0} | {times[^1]:0.0} | | {fullText[fullText.Count / 2]:0.0} / {fullText[(int)(fullText.Count * 0.99)]:0.0} | {trigram[trigram.Count / 2]:0.0} / {trigram[(int)(trigram.Count * 0.99)]:0.0} |"));
    }

    private static float[] RandomUnit(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            v[i] = (float)(random.NextDouble() * 2 - 1);
        }
        return Vectors.Normalize(v);
    }
}
