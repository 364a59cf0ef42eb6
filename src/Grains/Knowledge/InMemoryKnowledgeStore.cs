namespace ReplyX.Knowledge;

/// <summary>The embedded default's knowledge store: documents, files and vectors in memory, full text in Lucene.</summary>
public sealed class InMemoryKnowledgeStore : IKnowledgeStore, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, KnowledgeDocument> _documents = [];
    private readonly Dictionary<(Guid, int), byte[]> _files = [];
    private readonly Dictionary<(Guid, int), (string Language, IReadOnlyList<DocumentChunk> Chunks)> _chunks = [];
    private readonly Dictionary<(Guid, int, string), Dictionary<int, float[]>> _vectors = [];
    private readonly Dictionary<Guid, LuceneIndex> _indexes = [];
    private readonly Dictionary<Guid, long> _stamps = [];
    private long _clock;

    public Task Save(KnowledgeDocument document)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(document.Id, out var before) || before.Enabled != document.Enabled)
            {
                Touch(document.AssistantId);
            }
            _documents[document.Id] = document;
        }
        return Task.CompletedTask;
    }

    public Task<KnowledgeDocument?> Get(Guid documentId)
    {
        lock (_gate)
        {
            return Task.FromResult(_documents.GetValueOrDefault(documentId));
        }
    }

    public Task<IReadOnlyList<KnowledgeDocument>> List(Guid accountId, Guid assistantId)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<KnowledgeDocument>>(_documents.Values
                .Where(d => d.AccountId == accountId && d.AssistantId == assistantId)
                .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).ToList());
        }
    }

    public Task<IReadOnlyList<KnowledgeDocument>> Unfinished(int limit)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<KnowledgeDocument>>(_documents.Values.Where(d => d.Status == DocumentStatus.Processing).Take(limit).ToList());
        }
    }

    public Task<bool> Delete(Guid accountId, Guid documentId)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(documentId, out var document) || document.AccountId != accountId)
            {
                return Task.FromResult(false);
            }
            _documents.Remove(documentId);
            RemoveWhere(_files, k => k.Item1 == documentId);
            RemoveWhere(_chunks, k => k.Item1 == documentId);
            RemoveWhere(_vectors, k => k.Item1 == documentId);
            if (_indexes.TryGetValue(document.AssistantId, out var index))
            {
                index.Remove(documentId);
            }
            Touch(document.AssistantId);
            return Task.FromResult(true);
        }
    }

    public Task SaveFile(Guid documentId, int version, byte[] content)
    {
        lock (_gate)
        {
            _files[(documentId, version)] = content;
        }
        return Task.CompletedTask;
    }

    public Task<byte[]?> ReadFile(Guid documentId, int version)
    {
        lock (_gate)
        {
            return Task.FromResult(_files.GetValueOrDefault((documentId, version)));
        }
    }

    public Task SaveChunks(Guid documentId, int version, string language, IReadOnlyList<DocumentChunk> chunks)
    {
        lock (_gate)
        {
            _chunks[(documentId, version)] = (language, chunks.ToList());
            RemoveWhere(_vectors, k => k.Item1 == documentId && k.Item2 == version);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DocumentChunk>> Chunks(Guid documentId, int version)
    {
        lock (_gate)
        {
            return Task.FromResult(_chunks.TryGetValue((documentId, version), out var c) ? c.Chunks : (IReadOnlyList<DocumentChunk>)[]);
        }
    }

    public Task SaveEmbeddings(Guid documentId, int version, string model, IReadOnlyList<(int Position, float[] Vector)> vectors)
    {
        lock (_gate)
        {
            if (!_vectors.TryGetValue((documentId, version, model), out var stored))
            {
                _vectors[(documentId, version, model)] = stored = [];
            }
            foreach (var (position, vector) in vectors)
            {
                stored[position] = vector;
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlySet<int>> Embedded(Guid documentId, int version, string model)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlySet<int>>(_vectors.TryGetValue((documentId, version, model), out var v) ? v.Keys.ToHashSet() : []);
        }
    }

    public Task Activate(KnowledgeDocument document, int version)
    {
        lock (_gate)
        {
            if (!_chunks.TryGetValue((document.Id, version), out var chunks))
            {
                throw new InvalidOperationException($"Document {document.Id} has no chunks of version {version}.");
            }
            if (!_indexes.TryGetValue(document.AssistantId, out var index))
            {
                _indexes[document.AssistantId] = index = new LuceneIndex();
            }
            index.Put(document.Id, chunks.Language, chunks.Chunks);
            RemoveWhere(_chunks, k => k.Item1 == document.Id && k.Item2 != version);
            RemoveWhere(_vectors, k => k.Item1 == document.Id && k.Item2 != version);
            RemoveWhere(_files, k => k.Item1 == document.Id && k.Item2 != version);
            _documents[document.Id] = document with { ActiveVersion = version };
            Touch(document.AssistantId);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<KnowledgeDocument>> Stale(string model, int limit)
    {
        lock (_gate)
        {
            IReadOnlyList<KnowledgeDocument> stale = _documents.Values
                .Where(d => d.Status == DocumentStatus.Ready && d.ActiveVersion > 0 && d.EmbeddingModel != model)
                .OrderBy(d => d.UpdatedAt).ThenBy(d => d.Id).Take(limit).ToList();
            return Task.FromResult(stale);
        }
    }

    public Task<KnowledgeDocument?> Reembedded(Guid documentId, int version, string model, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(documentId, out var document) || document.ActiveVersion != version)
            {
                return Task.FromResult<KnowledgeDocument?>(null);
            }
            RemoveWhere(_vectors, k => k.Item1 == documentId && k.Item3 != model);
            document = _documents[documentId] = document with { EmbeddingModel = model, UpdatedAt = at };
            Touch(document.AssistantId);
            return Task.FromResult<KnowledgeDocument?>(document);
        }
    }

    public Task<long> Stamp(Guid assistantId)
    {
        lock (_gate)
        {
            return Task.FromResult(_documents.Values.Any(d => Searchable(d) && d.AssistantId == assistantId) ? _stamps.GetValueOrDefault(assistantId) : 0L);
        }
    }

    public Task<IReadOnlyList<RankedChunk>> FullText(Guid assistantId, string query, int limit) =>
        Task.FromResult(Index(assistantId)?.FullText(query, limit, IsSearchable) ?? []);

    public Task<IReadOnlyList<RankedChunk>> Trigram(Guid assistantId, string query, int limit) =>
        Task.FromResult(Index(assistantId)?.Trigram(query, limit, IsSearchable) ?? []);

    public Task<VectorSnapshot> Vectors(Guid assistantId, string model)
    {
        lock (_gate)
        {
            var keys = new List<ChunkKey>();
            var rows = new List<float[]>();
            foreach (var d in _documents.Values.Where(d => d.AssistantId == assistantId && Searchable(d)))
            {
                if (_vectors.TryGetValue((d.Id, d.ActiveVersion, model), out var vectors))
                {
                    foreach (var (position, vector) in vectors.OrderBy(v => v.Key))
                    {
                        keys.Add(new ChunkKey(d.Id, position));
                        rows.Add(vector);
                    }
                }
            }
            return Task.FromResult(VectorSnapshot.From(_stamps.GetValueOrDefault(assistantId), keys, rows));
        }
    }

    public Task<IReadOnlyList<RankedChunk>?> Nearest(Guid assistantId, string model, float[] query, int limit) =>
        Task.FromResult<IReadOnlyList<RankedChunk>?>(null);

    public Task<IReadOnlyList<StoredChunk>> Read(IReadOnlyList<ChunkKey> keys)
    {
        lock (_gate)
        {
            var found = new List<StoredChunk>(keys.Count);
            foreach (var key in keys)
            {
                if (_documents.TryGetValue(key.DocumentId, out var d) && _chunks.TryGetValue((d.Id, d.ActiveVersion), out var c)
                    && c.Chunks.FirstOrDefault(x => x.Position == key.Position) is { } chunk)
                {
                    found.Add(new StoredChunk(d.Id, d.FileName, chunk.Position, chunk.HeadingPath, chunk.Page, chunk.Text, c.Language));
                }
            }
            return Task.FromResult<IReadOnlyList<StoredChunk>>(found);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var index in _indexes.Values)
            {
                index.Dispose();
            }
            _indexes.Clear();
        }
    }

    private LuceneIndex? Index(Guid assistantId)
    {
        lock (_gate)
        {
            return _indexes.GetValueOrDefault(assistantId);
        }
    }

    private bool IsSearchable(Guid documentId)
    {
        lock (_gate)
        {
            return _documents.TryGetValue(documentId, out var d) && Searchable(d);
        }
    }

    private static bool Searchable(KnowledgeDocument d) => d.Enabled && d.ActiveVersion > 0;

    private void Touch(Guid assistantId) => _stamps[assistantId] = ++_clock;

    private static void RemoveWhere<TKey, TValue>(Dictionary<TKey, TValue> map, Func<TKey, bool> match) where TKey : notnull
    {
        foreach (var key in map.Keys.Where(match).ToList())
        {
            map.Remove(key);
        }
    }
}
