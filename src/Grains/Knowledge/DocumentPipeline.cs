using Microsoft.Extensions.Options;

namespace ReplyX.Knowledge;

/// <summary>
/// One document version from file to searchable chunks: extract, chunk, embed in batches, activate. Every
/// step is stored before the next, so a run interrupted by a crash resumes where it stopped (chunks already
/// written are kept when they match, vectors already stored are not computed again).
/// </summary>
public sealed class DocumentPipeline(IKnowledgeStore store, IndexingWorkers workers, ConfiguredEmbedder configured, IOptions<KnowledgeOptions> options, TimeProvider time)
{
    private readonly IEmbedder? embedder = configured.Embedder;

    /// <summary>Runs version <see cref="KnowledgeDocument.Version"/> of <paramref name="document"/>; <paramref name="progress"/> sees every stored step.</summary>
    public async Task<KnowledgeDocument> Run(KnowledgeDocument document, Func<KnowledgeDocument, Task> progress, Func<bool> superseded)
    {
        var o = options.Value;
        var version = document.Version;
        var content = await store.ReadFile(document.Id, version);
        if (content is null)
        {
            return await Fail(document, "The uploaded file is missing; upload it again.", progress);
        }
        ExtractedDocument extracted;
        try
        {
            extracted = await workers.Run(() => DocumentReader.Read(document.Format, content,
                new ExtractionLimits(o.MaxUnpackedBytes, ExtractionLimits.Default.MaxZipEntries, ExtractionLimits.Default.MaxCompressionRatio)));
        }
        catch (DocumentRejectedException ex)
        {
            return await Fail(document, ex.Message, progress);
        }
        var chunks = Chunker.Split(extracted, new ChunkingOptions(o.ChunkTokens, o.OverlapTokens));
        var language = LanguageDetector.Detect(string.Concat(extracted.Blocks.Take(200).Select(b => b.Text)));
        var stored = await store.Chunks(document.Id, version);
        if (stored.Count != chunks.Count || !stored.Select(c => c.Text).SequenceEqual(chunks.Select(c => c.Text)))
        {
            await store.SaveChunks(document.Id, version, language, chunks);
        }
        document = document with
        {
            ChunksTotal = chunks.Count, Pages = extracted.Pages, Language = language, EmbeddingModel = embedder?.Model, UpdatedAt = Now(),
        };
        if (embedder is not null)
        {
            var done = await store.Embedded(document.Id, version, embedder.Model);
            document = document with { ChunksDone = chunks.Count(c => done.Contains(c.Position)) };
            await progress(document);
            foreach (var batch in chunks.Where(c => !done.Contains(c.Position)).Chunk(o.EmbeddingBatch))
            {
                if (superseded())
                {
                    return document;
                }
                var vectors = await workers.Run(() => embedder.Embed(batch.Select(c => c.SearchText).ToList()));
                await store.SaveEmbeddings(document.Id, version, embedder.Model, batch.Select((c, i) => (c.Position, vectors[i])).ToList());
                document = document with { ChunksDone = document.ChunksDone + batch.Length, UpdatedAt = Now() };
                await progress(document);
            }
        }
        if (superseded())
        {
            return document;
        }
        document = document with { Status = DocumentStatus.Ready, ChunksDone = chunks.Count, ActiveVersion = version, Error = null, UpdatedAt = Now() };
        await store.Activate(document, version);
        await progress(document);
        return document;
    }

    private async Task<KnowledgeDocument> Fail(KnowledgeDocument document, string reason, Func<KnowledgeDocument, Task> progress)
    {
        document = document with { Status = DocumentStatus.Failed, Error = reason, UpdatedAt = Now() };
        await progress(document);
        return document;
    }

    private DateTimeOffset Now() => ReplyX.Dialogs.DialogNames.Micro(time.GetUtcNow());
}
