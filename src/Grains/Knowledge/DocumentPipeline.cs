using Microsoft.Extensions.Options;

namespace ReplyX.Knowledge;

/// <summary>
/// One document version from file to searchable chunks: extract, chunk, embed in batches, activate. Every
/// step is stored before the next, so a run interrupted by a crash resumes where it stopped (chunks already
/// written are kept when they match, vectors already stored are not computed again).
/// </summary>
public sealed class DocumentPipeline(
    IKnowledgeStore store, IndexingWorkers workers, ConfiguredEmbedder configured, IOptions<KnowledgeOptions> options, TimeProvider time,
    ReplyX.Billing.ServiceCharges? charges = null)
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
            try
            {
                document = await EmbedMissing(document, version, chunks, progress, superseded);
            }
            catch (ReplyX.Ai.AiNotConfiguredException)
            {
                // Retrying cannot help until an admin adds a key (an unavailable one is retried by the grain).
                return await Fail(document, $"No AI key serves the embedding model {embedder.Model}; an administrator must add one.", progress);
            }
        }
        if (superseded())
        {
            return document;
        }
        if (charges is not null)
        {
            // Paid just before it becomes of use, once per version by its key: a crash between the two resumes the run,
            // which finds the charge made.
            var reference = $"document:{document.Id}:{version}";
            await charges.Charge(document.AccountId, ReplyX.Billing.BillingServices.DocumentUpload, ReplyX.Billing.ServiceCharges.DocumentKey(document.Id, version), reference);
            if (embedder is not null)
            {
                // The passages' vectors, per 1,000 tokens (a re-embedding after the platform changed its model is not charged).
                await charges.ChargeTokens(document.AccountId, ReplyX.Billing.BillingServices.Embedding, chunks.Sum(c => (long)c.Tokens),
                    ReplyX.Billing.ServiceCharges.EmbeddingKey(document.Id, version), reference);
            }
        }
        document = document with { Status = DocumentStatus.Ready, ChunksDone = chunks.Count, ActiveVersion = version, Error = null, UpdatedAt = Now() };
        await store.Activate(document, version);
        await progress(document);
        return document;
    }

    /// <summary>The model vectors are recorded with; null when retrieval is lexical only.</summary>
    public string? Model => embedder?.Model;

    /// <summary>
    /// Re-embeds the active version of a ready document with the current model (the embedder changed): it stays
    /// searchable by words meanwhile, and its old vectors are dropped once every chunk has a new one. Resumable
    /// like <see cref="Run"/>. Null when the document changed under it (replaced, deleted) or nothing was to do.
    /// </summary>
    public async Task<KnowledgeDocument?> Reembed(KnowledgeDocument document, Func<KnowledgeDocument, Task> progress, Func<bool> superseded)
    {
        if (embedder is null || document.Status != DocumentStatus.Ready || document.ActiveVersion == 0 || document.EmbeddingModel == embedder.Model)
        {
            return null;
        }
        var version = document.ActiveVersion;
        var chunks = await store.Chunks(document.Id, version);
        document = await EmbedMissing(document, version, chunks, progress, superseded);
        return superseded() ? null : await store.Reembedded(document.Id, version, embedder.Model, Now());
    }

    private async Task<KnowledgeDocument> EmbedMissing(
        KnowledgeDocument document, int version, IReadOnlyList<DocumentChunk> chunks, Func<KnowledgeDocument, Task> progress, Func<bool> superseded)
    {
        var model = embedder!.Model;
        var done = await store.Embedded(document.Id, version, model);
        document = document with { ChunksDone = chunks.Count(c => done.Contains(c.Position)) };
        await progress(document);
        foreach (var batch in chunks.Where(c => !done.Contains(c.Position)).Chunk(options.Value.EmbeddingBatch))
        {
            if (superseded())
            {
                return document;
            }
            var vectors = await embedder.Embed(batch.Select(c => c.SearchText).ToList(), new EmbeddingUse(document.AccountId, Indexing: true));
            await store.SaveEmbeddings(document.Id, version, model, batch.Select((c, i) => (c.Position, vectors[i])).ToList());
            document = document with { ChunksDone = document.ChunksDone + batch.Length, UpdatedAt = Now() };
            await progress(document);
        }
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
