namespace ReplyX.Knowledge;

/// <summary>A searchable passage as stored: its document, place and text.</summary>
public sealed record StoredChunk(Guid DocumentId, string FileName, int Position, string? HeadingPath, int? Page, string Text, string Language)
{
    public KnowledgeSource Source => new(DocumentId, FileName, HeadingPath, Page);

    /// <summary>The text as it was indexed (<see cref="DocumentChunk.SearchText"/>).</summary>
    public string SearchText => DocumentChunk.Searchable(HeadingPath, Text);
}

public readonly record struct ChunkKey(Guid DocumentId, int Position);

public sealed record RankedChunk(ChunkKey Key, double Score);

/// <summary>Every active chunk vector of one assistant for one model, as one contiguous matrix of normalised rows.</summary>
public sealed record VectorSnapshot(long Stamp, int Dimensions, ChunkKey[] Keys, float[] Matrix)
{
    private Dictionary<ChunkKey, int>? _rows;

    /// <summary>The vector of <paramref name="key"/>, if it has one (the key index is built on first use and kept with the snapshot).</summary>
    public ReadOnlySpan<float> Row(ChunkKey key)
    {
        var rows = _rows ??= Keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        return rows.TryGetValue(key, out var row) ? Matrix.AsSpan(row * Dimensions, Dimensions) : [];
    }

    /// <summary>Rows of equal length, copied into one contiguous matrix.</summary>
    public static VectorSnapshot From(long stamp, IReadOnlyList<ChunkKey> keys, IReadOnlyList<float[]> rows)
    {
        var dimensions = rows.Count > 0 ? rows[0].Length : 0;
        var matrix = new float[rows.Count * dimensions];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].CopyTo(matrix, i * dimensions);
        }
        return new VectorSnapshot(stamp, dimensions, [.. keys], matrix);
    }
}

/// <summary>
/// Documents, their files and chunks, and the lexical side of retrieval. Only chunks of enabled documents at
/// their active version are ever searched; a new version's chunks are written beside the old ones and
/// <see cref="Activate"/> swaps them in one step.
/// </summary>
public interface IKnowledgeStore
{
    Task Save(KnowledgeDocument document);

    Task<KnowledgeDocument?> Get(Guid documentId);

    Task<IReadOnlyList<KnowledgeDocument>> List(Guid accountId, Guid assistantId);

    /// <summary>Documents left in processing (a silo died while working on them).</summary>
    Task<IReadOnlyList<KnowledgeDocument>> Unfinished(int limit);

    /// <summary>Removes the document, its files and chunks; false when it is not that account's.</summary>
    Task<bool> Delete(Guid accountId, Guid documentId);

    Task SaveFile(Guid documentId, int version, byte[] content);

    Task<byte[]?> ReadFile(Guid documentId, int version);

    /// <summary>Writes a version's chunks (replacing any written by an interrupted run of the same version).</summary>
    Task SaveChunks(Guid documentId, int version, string language, IReadOnlyList<DocumentChunk> chunks);

    Task<IReadOnlyList<DocumentChunk>> Chunks(Guid documentId, int version);

    Task SaveEmbeddings(Guid documentId, int version, string model, IReadOnlyList<(int Position, float[] Vector)> vectors);

    /// <summary>Positions of a version that already have a vector of <paramref name="model"/> (a resumed run skips them).</summary>
    Task<IReadOnlySet<int>> Embedded(Guid documentId, int version, string model);

    /// <summary>Makes <paramref name="version"/> the searched one and drops every other version's chunks, in one step.</summary>
    Task Activate(KnowledgeDocument document, int version);

    /// <summary>Ready documents whose vectors are not of <paramref name="model"/> (the embedder changed): oldest first.</summary>
    Task<IReadOnlyList<KnowledgeDocument>> Stale(string model, int limit);

    /// <summary>
    /// Records that the active <paramref name="version"/> has every vector of <paramref name="model"/>: the document
    /// says so, its vectors of other models go, and searches see the change. Null when that version is no longer the active one.
    /// </summary>
    Task<KnowledgeDocument?> Reembedded(Guid documentId, int version, string model, DateTimeOffset at);

    /// <summary>Changes whenever what an assistant's search sees changes; 0 when it has no searchable document.</summary>
    Task<long> Stamp(Guid assistantId);

    Task<IReadOnlyList<RankedChunk>> FullText(Guid assistantId, string query, int limit);

    Task<IReadOnlyList<RankedChunk>> Trigram(Guid assistantId, string query, int limit);

    Task<VectorSnapshot> Vectors(Guid assistantId, string model);

    /// <summary>
    /// The nearest chunks by cosine, searched by the database (pgvector's HNSW); null when the store cannot, and
    /// the caller scans <see cref="Vectors"/> itself.
    /// </summary>
    Task<IReadOnlyList<RankedChunk>?> Nearest(Guid assistantId, string model, float[] query, int limit);

    Task<IReadOnlyList<StoredChunk>> Read(IReadOnlyList<ChunkKey> keys);
}
