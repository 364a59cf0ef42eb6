namespace ReplyX.Knowledge;

public enum DocumentStatus
{
    Processing,
    Ready,
    Failed,
}

/// <summary>The formats a document may have, told by its content (not by its name).</summary>
public enum FileFormat
{
    Pdf,
    Docx,
    Text,
    Markdown,
}

/// <summary>One uploaded document of an assistant's knowledge base. <see cref="Version"/> grows with every replacement.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.KnowledgeDocument")]
public sealed record KnowledgeDocument(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid AccountId,
    [property: Id(2)] Guid AssistantId,
    [property: Id(3)] string FileName,
    [property: Id(4)] FileFormat Format,
    [property: Id(5)] long SizeBytes,
    [property: Id(6)] DocumentStatus Status,
    [property: Id(7)] string? Error,
    [property: Id(8)] int ChunksDone,
    [property: Id(9)] int ChunksTotal,
    [property: Id(10)] int Pages,
    [property: Id(11)] string? Language,
    [property: Id(12)] bool Enabled,
    [property: Id(13)] int Version,
    [property: Id(14)] int ActiveVersion,
    [property: Id(15)] string? EmbeddingModel,
    [property: Id(16)] DateTimeOffset CreatedAt,
    [property: Id(17)] DateTimeOffset UpdatedAt);

public enum UploadOutcome
{
    Accepted,
    /// <summary>No such assistant or document in the caller's account.</summary>
    NotFound,
    /// <summary>Not a PDF, DOCX, TXT or MD by its content or name (415).</summary>
    UnsupportedType,
    /// <summary>The right type but unusable (damaged, empty, a zip bomb: 422).</summary>
    Rejected,
    /// <summary>The account's balance cannot pay for processing it (402).</summary>
    Unpaid,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.UploadResult")]
public sealed record UploadResult(
    [property: Id(0)] UploadOutcome Outcome,
    [property: Id(1)] KnowledgeDocument? Document,
    [property: Id(2)] string? Reason);

/// <summary>A document's processing as the account feed reports it.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.DocumentProgress")]
public sealed record DocumentProgress(
    [property: Id(0)] Guid AssistantId,
    [property: Id(1)] DocumentStatus Status,
    [property: Id(2)] int ChunksDone,
    [property: Id(3)] int ChunksTotal,
    [property: Id(4)] string? Error);

/// <summary>Where a passage comes from, as an answer cites it.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.KnowledgeSource")]
public sealed record KnowledgeSource(
    [property: Id(0)] Guid DocumentId,
    [property: Id(1)] string FileName,
    [property: Id(2)] string? Heading,
    [property: Id(3)] int? Page);

/// <summary>One retrieved passage with the score of every retriever (null where that retriever did not find it).</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.SearchHit")]
public sealed record SearchHit(
    [property: Id(0)] KnowledgeSource Source,
    [property: Id(1)] int Position,
    [property: Id(2)] string Text,
    [property: Id(3)] double Score,
    [property: Id(4)] double? FullText,
    [property: Id(5)] double? Trigram,
    [property: Id(6)] double? Vector,
    [property: Id(7)] bool Relevant)
{
    /// <summary>The strongest absolute evidence of the three retrievers.</summary>
    public double Evidence => Math.Max(Math.Max(FullText ?? 0, Trigram ?? 0), Vector ?? 0);
}

[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.SearchResult")]
public sealed record SearchResult(
    [property: Id(0)] IReadOnlyList<SearchHit> Hits,
    [property: Id(1)] bool HasDocuments,
    [property: Id(2)] string? EmbeddingModel);

/// <summary>
/// What an owner sets per assistant for retrieval: how many passages, the evidence a passage needs to reach the
/// model (<see cref="MinScore"/>: the model itself then says when they do not answer), and the stronger evidence
/// needed to quote a passage as the answer when no model can be asked (<see cref="QuoteMinScore"/>). Evidence
/// is the best of a hit's stem coverage, trigram word similarity and vector cosine (docs/benchmarks.md).
/// </summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Knowledge.RetrievalSettings")]
public sealed record RetrievalSettings(
    [property: Id(0)] int TopK,
    [property: Id(1)] double MinScore,
    [property: Id(2)] double QuoteMinScore)
{
    public static RetrievalSettings Default { get; } = new(4, 0.2, 0.5);
}

/// <summary>
/// One document: its processing (extraction, chunking, embedding) off the request path, resumed by a reminder
/// after a crash; replacement keeps the id and swaps the chunks when the new version is ready.
/// </summary>
[Alias("ReplyX.Knowledge.IDocumentGrain")]
public interface IDocumentGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Checks <paramref name="content"/> (its type told by content), stores it as this document's next version
    /// (the first when it is new) and starts processing it. <paramref name="assistantId"/> null: a replacement,
    /// which keeps the document's assistant.
    /// </summary>
    [Alias("Upload")]
    Task<UploadResult> Upload(Guid accountId, Guid? assistantId, string fileName, byte[] content);

    [Alias("Get"), Orleans.Concurrency.ReadOnly]
    Task<KnowledgeDocument?> Get(Guid accountId);

    [Alias("SetEnabled")]
    Task<KnowledgeDocument?> SetEnabled(Guid accountId, bool enabled);

    [Alias("Delete")]
    Task<bool> Delete(Guid accountId);

    /// <summary>
    /// Starts re-embedding a ready document whose vectors are of another model than the silo's embedder (the
    /// configuration changed), in the background; false when there is nothing to do or the document is busy.
    /// </summary>
    [Alias("Reindex")]
    Task<bool> Reindex();
}

/// <summary>Reads and retrieval over assistants' documents (a stateless worker: every silo searches in parallel).</summary>
[Alias("ReplyX.Knowledge.IKnowledgeBaseGrain")]
public interface IKnowledgeBaseGrain : IGrainWithIntegerKey
{
    /// <summary>The assistant's documents; null when the assistant is not that account's.</summary>
    [Alias("Documents")]
    Task<IReadOnlyList<KnowledgeDocument>?> Documents(Guid accountId, Guid assistantId);

    /// <summary>
    /// The best passages for <paramref name="query"/>; <paramref name="context"/> (recent turns) helps follow-up
    /// questions. Null when the assistant is not that account's.
    /// </summary>
    [Alias("Search")]
    Task<SearchResult?> Search(Guid accountId, Guid assistantId, string query, string? context, int? k);
}
