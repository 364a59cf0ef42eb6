using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;
using ReplyX.Hosting;

namespace ReplyX.Knowledge;

/// <summary>
/// The knowledge base in PostgreSQL (sql/016-018): full text in per-language <c>tsvector</c>s (GIN), trigram
/// similarity (<c>pg_trgm</c>) through each assistant's vocabulary (<see cref="Trigram"/>), and vectors as <c>real[]</c>. With the <c>vector</c> extension the database
/// searches them through an HNSW index per dimension (<see cref="Nearest"/>); without it each silo loads them
/// into one matrix and searches exactly with SIMD (<see cref="Vectors.TopK"/>).
/// </summary>
public sealed class PostgresKnowledgeStore(NpgsqlDataSource dataSource) : IKnowledgeStore
{
    private readonly ConcurrentDictionary<int, Task> _indexes = new();
    private Task<bool>? _native;

    private const string Columns = """
        id, account_id, assistant_id, file_name, format, size_bytes, status, error, chunks_done, chunks_total, pages, language,
        enabled, version, active_version, embedding_model, created_at, updated_at
        """;

    /// <summary>Chunks an assistant's search sees: enabled documents at their active version.</summary>
    private const string Searchable = "JOIN knowledge_documents d ON d.id = c.document_id AND c.version = d.active_version AND d.enabled";

    private const string Bump = """
        INSERT INTO knowledge_stamps (assistant_id, stamp) VALUES (@assistant, 1)
        ON CONFLICT (assistant_id) DO UPDATE SET stamp = knowledge_stamps.stamp + 1
        """;

    /// <summary>
    /// Serialises the changes to one assistant's vocabulary (<c>knowledge_terms</c>) for the transaction: a save,
    /// an activation and a delete each add and take away counts in an order of their own, and two of them at once
    /// could deadlock. The two-key form: its key space is apart from the migrator's single key.
    /// </summary>
    private const string LockVocabulary = "SELECT pg_advisory_xact_lock(1263, hashtext(assistant_id::text)) FROM knowledge_documents WHERE id = @id";

    /// <summary>Words that no stored version holds any more.</summary>
    private const string DropUnused = "DELETE FROM knowledge_terms WHERE assistant_id = (SELECT assistant_id FROM knowledge_documents WHERE id = @id) AND refs <= 0";

    /// <summary>
    /// Adds (<paramref name="sign"/> 1) or takes away (-1) the words of the document's versions that match
    /// <paramref name="versions"/>: each word counts the versions holding it. In the words' order, under <see cref="LockVocabulary"/>.
    /// </summary>
    private static string CountWords(int sign, string versions) => $"""
        INSERT INTO knowledge_terms AS t (assistant_id, term, refs)
        SELECT c.assistant_id, w, {sign} * count(DISTINCT c.version)::int
        FROM knowledge_chunks c, unnest(c.words) AS w
        WHERE c.document_id = @id AND {versions}
        GROUP BY c.assistant_id, w
        ORDER BY c.assistant_id, w
        ON CONFLICT (assistant_id, term) DO UPDATE SET refs = t.refs + excluded.refs
        """;

    public async Task Save(KnowledgeDocument d)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH prev AS (SELECT enabled FROM knowledge_documents WHERE id = @id),
            saved AS (
                INSERT INTO knowledge_documents ({Columns})
                VALUES (@id, @account, @assistant, @file, @format, @size, @status, @error, @done, @total, @pages, @language,
                        @enabled, @version, @active, @model, @created, @updated)
                ON CONFLICT (id) DO UPDATE SET file_name = excluded.file_name, format = excluded.format, size_bytes = excluded.size_bytes,
                    status = excluded.status, error = excluded.error, chunks_done = excluded.chunks_done, chunks_total = excluded.chunks_total,
                    pages = excluded.pages, language = excluded.language, enabled = excluded.enabled, version = excluded.version,
                    active_version = excluded.active_version, embedding_model = excluded.embedding_model, updated_at = excluded.updated_at
                RETURNING 1),
            bumped AS (
                INSERT INTO knowledge_stamps (assistant_id, stamp) SELECT @assistant, 1 WHERE NOT EXISTS (SELECT 1 FROM prev WHERE enabled = @enabled)
                ON CONFLICT (assistant_id) DO UPDATE SET stamp = knowledge_stamps.stamp + 1)
            SELECT count(*) FROM saved
            """);
        Bind(command, d);
        await command.ExecuteScalarAsync();
    }

    public async Task<KnowledgeDocument?> Get(Guid documentId) =>
        (await Documents($"SELECT {Columns} FROM knowledge_documents WHERE id = @id", c => c.Parameters.AddWithValue("id", documentId))).SingleOrDefault();

    public Task<IReadOnlyList<KnowledgeDocument>> List(Guid accountId, Guid assistantId) =>
        Documents($"SELECT {Columns} FROM knowledge_documents WHERE assistant_id = @assistant AND account_id = @account ORDER BY created_at, id", c =>
        {
            c.Parameters.AddWithValue("assistant", assistantId);
            c.Parameters.AddWithValue("account", accountId);
        });

    public Task<IReadOnlyList<KnowledgeDocument>> Unfinished(int limit) =>
        Documents($"SELECT {Columns} FROM knowledge_documents WHERE status = 'processing' ORDER BY updated_at LIMIT @limit",
            c => c.Parameters.AddWithValue("limit", limit));

    public async Task<bool> Delete(Guid accountId, Guid documentId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var forget = new NpgsqlCommand($"""
            {LockVocabulary} AND account_id = @account;
            {CountWords(-1, "EXISTS (SELECT 1 FROM knowledge_documents d WHERE d.id = @id AND d.account_id = @account)")};
            {DropUnused};
            """, connection, tx))
        {
            forget.Parameters.AddWithValue("id", documentId);
            forget.Parameters.AddWithValue("account", accountId);
            await forget.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand("""
            WITH gone AS (DELETE FROM knowledge_documents WHERE id = @id AND account_id = @account RETURNING assistant_id),
            bumped AS (INSERT INTO knowledge_stamps (assistant_id, stamp) SELECT assistant_id, 1 FROM gone
                       ON CONFLICT (assistant_id) DO UPDATE SET stamp = knowledge_stamps.stamp + 1)
            SELECT count(*)::int FROM gone
            """, connection, tx);
        command.Parameters.AddWithValue("id", documentId);
        command.Parameters.AddWithValue("account", accountId);
        var deleted = (int)(await command.ExecuteScalarAsync())! == 1;
        await tx.CommitAsync();
        return deleted;
    }

    public async Task SaveFile(Guid documentId, int version, byte[] content)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO knowledge_files (document_id, version, content) VALUES (@id, @version, @content)
            ON CONFLICT (document_id, version) DO UPDATE SET content = excluded.content
            """);
        command.Parameters.AddWithValue("id", documentId);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("content", content);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<byte[]?> ReadFile(Guid documentId, int version)
    {
        await using var command = dataSource.CreateCommand("SELECT content FROM knowledge_files WHERE document_id = @id AND version = @version");
        command.Parameters.AddWithValue("id", documentId);
        command.Parameters.AddWithValue("version", version);
        return await command.ExecuteScalarAsync() as byte[];
    }

    public async Task SaveChunks(Guid documentId, int version, string language, IReadOnlyList<DocumentChunk> chunks)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using (var clear = new NpgsqlCommand($"""
            {LockVocabulary};
            {CountWords(-1, "c.version = @version")};
            DELETE FROM knowledge_vectors WHERE document_id = @id AND version = @version;
            DELETE FROM knowledge_chunks WHERE document_id = @id AND version = @version;
            """, connection, tx))
        {
            clear.Parameters.AddWithValue("id", documentId);
            clear.Parameters.AddWithValue("version", version);
            await clear.ExecuteNonQueryAsync();
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO knowledge_chunks (document_id, version, position, assistant_id, language, heading, page, text, search_text, tokens, tsv)
            SELECT @id, @version, u.position, d.assistant_id, @language, u.heading, u.page, u.text, u.search_text, u.tokens,
                   to_tsvector(@config::regconfig, u.search_text)
            FROM unnest(@position, @heading, @page, @text, @search, @tokens) AS u(position, heading, page, text, search_text, tokens)
            JOIN knowledge_documents d ON d.id = @id
            """, connection, tx))
        {
            insert.Parameters.AddWithValue("id", documentId);
            insert.Parameters.AddWithValue("version", version);
            insert.Parameters.AddWithValue("language", language);
            insert.Parameters.AddWithValue("config", language == "ru" ? "russian" : "english");
            insert.AddArray("position", NpgsqlDbType.Integer, chunks.Select(c => c.Position).ToArray());
            insert.AddArray("heading", NpgsqlDbType.Text, chunks.Select(c => c.HeadingPath).ToArray());
            insert.AddArray("page", NpgsqlDbType.Integer, chunks.Select(c => c.Page).ToArray());
            insert.AddArray("text", NpgsqlDbType.Text, chunks.Select(c => c.Text).ToArray());
            insert.AddArray("search", NpgsqlDbType.Text, chunks.Select(c => c.SearchText).ToArray());
            insert.AddArray("tokens", NpgsqlDbType.Integer, chunks.Select(c => c.Tokens).ToArray());
            var inserted = await insert.ExecuteNonQueryAsync();
            if (inserted != chunks.Count)
            {
                throw new InvalidOperationException($"Document {documentId} has no row: its chunks cannot be stored.");
            }
        }
        // The words column is generated from search_text (sql/018).
        await using (var count = new NpgsqlCommand($"""
            {CountWords(1, "c.version = @version")};
            {DropUnused};
            """, connection, tx))
        {
            count.Parameters.AddWithValue("id", documentId);
            count.Parameters.AddWithValue("version", version);
            await count.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
    }

    public async Task<IReadOnlyList<DocumentChunk>> Chunks(Guid documentId, int version)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT position, heading, page, text, tokens FROM knowledge_chunks WHERE document_id = @id AND version = @version ORDER BY position");
        command.Parameters.AddWithValue("id", documentId);
        command.Parameters.AddWithValue("version", version);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<DocumentChunk>();
        while (await reader.ReadAsync())
        {
            list.Add(new DocumentChunk(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.GetString(3), reader.GetInt32(4)));
        }
        return list;
    }

    public async Task SaveEmbeddings(Guid documentId, int version, string model, IReadOnlyList<(int Position, float[] Vector)> vectors)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var (position, vector) in vectors)
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO knowledge_vectors (document_id, version, position, model, embedding) VALUES (@id, @version, @position, @model, @embedding)
                ON CONFLICT (document_id, version, model, position) DO UPDATE SET embedding = excluded.embedding
                """);
            command.Parameters.AddWithValue("id", documentId);
            command.Parameters.AddWithValue("version", version);
            command.Parameters.AddWithValue("position", position);
            command.Parameters.AddWithValue("model", model);
            command.Parameters.AddWithValue("embedding", vector);
            batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync();
        }
        if (vectors.Count > 0 && await Native())
        {
            var dimensions = vectors[0].Vector.Length;
            try
            {
                await _indexes.GetOrAdd(dimensions, HnswIndex);
            }
            catch (NpgsqlException)
            {
                _indexes.TryRemove(dimensions, out _); // the next batch tries again
                throw;
            }
        }
    }

    public async Task<IReadOnlyList<RankedChunk>?> Nearest(Guid assistantId, string model, float[] query, int limit)
    {
        if (!await Native())
        {
            return null;
        }
        var dimensions = query.Length;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        // The index is shared by all assistants: let the scan go on until enough of this one's chunks are found.
        await using (var set = new NpgsqlCommand("SET LOCAL hnsw.iterative_scan = strict_order; SET LOCAL hnsw.ef_search = 100", connection, tx))
        {
            await set.ExecuteNonQueryAsync();
        }
        await using var command = new NpgsqlCommand($"""
            SELECT v.document_id, v.position, 1 - (v.embedding::vector({dimensions}) <=> @query) AS cosine
            FROM knowledge_vectors v JOIN knowledge_documents d ON d.id = v.document_id AND v.version = d.active_version AND d.enabled
            WHERE d.assistant_id = @assistant AND v.model = @model AND array_length(v.embedding, 1) = {dimensions}
            ORDER BY v.embedding::vector({dimensions}) <=> @query
            LIMIT @limit
            """, connection, tx);
        command.Parameters.AddWithValue("query", new Pgvector.Vector(query));
        command.Parameters.AddWithValue("assistant", assistantId);
        command.Parameters.AddWithValue("model", model);
        command.Parameters.AddWithValue("limit", limit);
        var list = new List<RankedChunk>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                list.Add(new RankedChunk(new ChunkKey(reader.GetGuid(0), reader.GetInt32(1)), reader.GetDouble(2)));
            }
        }
        await tx.CommitAsync();
        return list;
    }

    /// <summary>Whether the server has pgvector, asked once (again after a failed attempt).</summary>
    private async Task<bool> Native()
    {
        var check = _native ??= HasVectorExtension(dataSource);
        try
        {
            return await check;
        }
        catch (NpgsqlException)
        {
            _native = null;
            throw;
        }
    }

    private static async Task<bool> HasVectorExtension(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')");
        if (!(bool)(await command.ExecuteScalarAsync())!)
        {
            return false;
        }
        // The extension may have been created by the migrations after this data source loaded its types.
        await dataSource.ReloadTypesAsync();
        return true;
    }

    /// <summary>An HNSW index over the vectors of one dimension (an expression index: the column stays real[]).</summary>
    private Task HnswIndex(int dimensions)
    {
        async Task Create()
        {
            await using var command = dataSource.CreateCommand($"""
                CREATE INDEX IF NOT EXISTS knowledge_vectors_hnsw_{dimensions} ON knowledge_vectors
                USING hnsw ((embedding::vector({dimensions})) vector_cosine_ops) WHERE array_length(embedding, 1) = {dimensions}
                """);
            await command.ExecuteNonQueryAsync();
        }
        return Create();
    }

    public async Task<IReadOnlySet<int>> Embedded(Guid documentId, int version, string model)
    {
        await using var command = dataSource.CreateCommand("SELECT position FROM knowledge_vectors WHERE document_id = @id AND version = @version AND model = @model");
        command.Parameters.AddWithValue("id", documentId);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("model", model);
        await using var reader = await command.ExecuteReaderAsync();
        var set = new HashSet<int>();
        while (await reader.ReadAsync())
        {
            set.Add(reader.GetInt32(0));
        }
        return set;
    }

    public async Task Activate(KnowledgeDocument document, int version)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand($"""
            {LockVocabulary};
            {CountWords(-1, "c.version <> @active")};
            UPDATE knowledge_documents SET active_version = @active, status = @status, error = @error, chunks_done = @done, chunks_total = @total,
                pages = @pages, language = @language, embedding_model = @model, updated_at = @updated
            WHERE id = @id;
            DELETE FROM knowledge_vectors WHERE document_id = @id AND version <> @active;
            DELETE FROM knowledge_chunks WHERE document_id = @id AND version <> @active;
            DELETE FROM knowledge_files WHERE document_id = @id AND version <> @active;
            {DropUnused};
            {Bump};
            """, connection, tx);
        Bind(command, document with { ActiveVersion = version });
        await command.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }

    public Task<IReadOnlyList<KnowledgeDocument>> Stale(string model, int limit) =>
        Documents($"""
            SELECT {Columns} FROM knowledge_documents
            WHERE status = 'ready' AND active_version > 0 AND embedding_model IS DISTINCT FROM @model
            ORDER BY updated_at, id LIMIT @limit
            """, c =>
        {
            c.Parameters.AddWithValue("model", model);
            c.Parameters.AddWithValue("limit", limit);
        });

    public async Task<KnowledgeDocument?> Reembedded(Guid documentId, int version, string model, DateTimeOffset at)
    {
        // One statement, so one transaction: the document, its other models' vectors and the stamp move together.
        await using var command = dataSource.CreateCommand("""
            WITH d AS (UPDATE knowledge_documents SET embedding_model = @model, updated_at = @at
                       WHERE id = @id AND active_version = @version RETURNING assistant_id),
            gone AS (DELETE FROM knowledge_vectors WHERE document_id = @id AND model <> @model AND EXISTS (SELECT 1 FROM d)),
            bumped AS (INSERT INTO knowledge_stamps (assistant_id, stamp) SELECT assistant_id, 1 FROM d
                       ON CONFLICT (assistant_id) DO UPDATE SET stamp = knowledge_stamps.stamp + 1)
            SELECT count(*)::int FROM d
            """);
        command.Parameters.AddWithValue("id", documentId);
        command.Parameters.AddWithValue("version", version);
        command.Parameters.AddWithValue("model", model);
        command.Parameters.AddWithValue("at", at);
        var updated = (int)(await command.ExecuteScalarAsync())! == 1;
        return updated ? await Get(documentId) : null;
    }

    public async Task<long> Stamp(Guid assistantId)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT COALESCE((SELECT stamp FROM knowledge_stamps WHERE assistant_id = @assistant), 1)
            WHERE EXISTS (SELECT 1 FROM knowledge_documents WHERE assistant_id = @assistant AND enabled AND active_version > 0)
            """);
        command.Parameters.AddWithValue("assistant", assistantId);
        return await command.ExecuteScalarAsync() is long stamp ? stamp : 0;
    }

    public Task<IReadOnlyList<RankedChunk>> FullText(Guid assistantId, string query, int limit) => Ranked($"""
        WITH q AS (SELECT replace(plainto_tsquery('russian', @query)::text, ' & ', ' | ') AS ru,
                          replace(plainto_tsquery('english', @query)::text, ' & ', ' | ') AS en),
        -- Cast, not to_tsquery: the lexemes are stemmed already, and stemming a stem again may change it.
        tq AS (SELECT CASE WHEN ru = '' THEN NULL ELSE ru::tsquery END AS ru,
                      CASE WHEN en = '' THEN NULL ELSE en::tsquery END AS en FROM q)
        SELECT c.document_id, c.position, ts_rank_cd(c.tsv, CASE WHEN c.language = 'ru' THEN tq.ru ELSE tq.en END)::float8 AS rank
        FROM knowledge_chunks c {Searchable}, tq
        WHERE c.assistant_id = @assistant
          AND ((c.language = 'ru' AND c.tsv @@ tq.ru) OR (c.language <> 'ru' AND c.tsv @@ tq.en))
        ORDER BY rank DESC, c.document_id, c.position LIMIT @limit
        """, assistantId, query, limit);

    /// <summary>
    /// Least trigram similarity of a vocabulary word to a query word, at or above pg_trgm's default floor for
    /// <c>%</c> (0.3), which the index applies first. "доставкой" ~ "доставка" is 0.58, "refundable" ~ "refund" 0.5;
    /// 0.35 measured best on the evaluation set (0.3-0.5 tried).
    /// </summary>
    public const double TermSimilarity = 0.35;

    /// <summary>The most similar vocabulary words kept per query word.</summary>
    public const int TermsPerWord = 6;

    /// <summary>
    /// Chunks read at most per matched word: a word found in thousands of chunks would otherwise cost a heap read
    /// of each (1.1 s for a 100,000-chunk assistant, 0.12 s with the cap). Such a word weighs little in the
    /// ranking anyway; past the cap, the chunks it contributes are the first the index finds, not the best.
    /// </summary>
    public const int PostingsPerTerm = 200;

    /// <summary>Query words looked up at most (a follow-up composed with its context can be long).</summary>
    public const int MaxWords = 24;

    /// <summary>
    /// Words similar to the query's, through the assistant's vocabulary (sql/018): each content word of the query
    /// (3 letters or more) is matched against the assistant's distinct words by trigram similarity (the index
    /// holds the assistant, so other tenants' words are not read), its <see cref="TermsPerWord"/> best at
    /// <see cref="TermSimilarity"/> or more are kept, and the searchable chunks holding any of them are ranked by
    /// the best similarity found in the chunk for each query word, averaged with each word weighted by its rarity
    /// among the matched chunks (ln(1 + matched chunks / chunks matching the word), so that a rare word counts more
    /// than one found everywhere; a word with no similar term weighs as the rarest). The score is in [0, 1]: 1 when
    /// every word is there as it is, less for near forms or missing words, and a chunk with nothing similar is not
    /// returned. The cost follows the matched words' chunks (at most <see cref="PostingsPerTerm"/> each), not all
    /// of the assistant's, and the indexes hold the assistant first: other tenants' words and chunks are not read.
    /// </summary>
    public async Task<IReadOnlyList<RankedChunk>> Trigram(Guid assistantId, string query, int limit)
    {
        var words = QueryWords(query);
        if (words.Length == 0)
        {
            return [];
        }
        await using var command = dataSource.CreateCommand($"""
            WITH q AS (SELECT w, i FROM unnest(@words) WITH ORDINALITY AS u(w, i)),
            matched AS (
                SELECT q.i, m.term, m.sim
                FROM q CROSS JOIN LATERAL (
                    SELECT t.term, similarity(t.term, q.w) AS sim
                    FROM knowledge_terms t
                    WHERE t.assistant_id = @assistant AND t.term % q.w AND similarity(t.term, q.w) >= @floor
                    ORDER BY sim DESC, t.term
                    LIMIT @per) m),
            found AS (
                SELECT c.document_id, c.position, m.i, max(m.sim) AS sim
                FROM matched m CROSS JOIN LATERAL (
                    SELECT c.document_id, c.position
                    FROM knowledge_chunks c {Searchable}
                    WHERE c.assistant_id = @assistant AND c.words @> ARRAY[m.term]
                    LIMIT @postings) c
                GROUP BY c.document_id, c.position, m.i),
            n AS (SELECT count(DISTINCT (document_id, position))::float8 AS chunks FROM found),
            weighted AS (
                SELECT f.document_id, f.position, f.i, f.sim, ln(1 + n.chunks / count(*) OVER (PARTITION BY f.i)) AS w
                FROM found f, n),
            total AS (
                SELECT coalesce(sum(w), 0) + (@count - count(*)) * (SELECT ln(1 + chunks) FROM n) AS w
                FROM (SELECT DISTINCT i, w FROM weighted) x)
            SELECT document_id, position, (sum(sim * w) / (SELECT w FROM total))::float8 AS rank
            FROM weighted
            GROUP BY document_id, position
            ORDER BY rank DESC, document_id, position
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("words", words);
        command.Parameters.AddWithValue("assistant", assistantId);
        command.Parameters.AddWithValue("floor", TermSimilarity);
        command.Parameters.AddWithValue("per", TermsPerWord);
        command.Parameters.AddWithValue("postings", PostingsPerTerm);
        command.Parameters.AddWithValue("count", (double)words.Length);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadRanked(command);
    }

    /// <summary>The query's content words as the vocabulary holds words: lower-cased, 3 to 64 letters or digits, each once.</summary>
    internal static string[] QueryWords(string query) =>
        RelevanceScorer.ContentWords(query).Where(w => w.Length is >= 3 and <= 64 && w.All(char.IsLetterOrDigit))
            .Distinct().Take(MaxWords).ToArray();

    public async Task<VectorSnapshot> Vectors(Guid assistantId, string model)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT (SELECT stamp FROM knowledge_stamps WHERE assistant_id = @assistant), v.document_id, v.position, v.embedding
            FROM knowledge_vectors v JOIN knowledge_documents d ON d.id = v.document_id AND v.version = d.active_version AND d.enabled
            WHERE d.assistant_id = @assistant AND v.model = @model
            ORDER BY v.document_id, v.position
            """);
        command.Parameters.AddWithValue("assistant", assistantId);
        command.Parameters.AddWithValue("model", model);
        await using var reader = await command.ExecuteReaderAsync();
        long stamp = 0;
        var keys = new List<ChunkKey>();
        var rows = new List<float[]>();
        while (await reader.ReadAsync())
        {
            stamp = reader.IsDBNull(0) ? 0 : reader.GetInt64(0);
            keys.Add(new ChunkKey(reader.GetGuid(1), reader.GetInt32(2)));
            rows.Add(reader.GetFieldValue<float[]>(3));
        }
        return VectorSnapshot.From(stamp, keys, rows);
    }

    public async Task<IReadOnlyList<StoredChunk>> Read(IReadOnlyList<ChunkKey> keys)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT c.document_id, d.file_name, c.position, c.heading, c.page, c.text, c.language
            FROM unnest(@documents, @positions) AS k(document_id, position)
            JOIN knowledge_chunks c ON c.document_id = k.document_id AND c.position = k.position
            {Searchable}
            """);
        command.AddArray("documents", NpgsqlDbType.Uuid, keys.Select(k => k.DocumentId).ToArray());
        command.AddArray("positions", NpgsqlDbType.Integer, keys.Select(k => k.Position).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var found = new Dictionary<ChunkKey, StoredChunk>();
        while (await reader.ReadAsync())
        {
            var chunk = new StoredChunk(reader.GetGuid(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.GetString(5), reader.GetString(6));
            found[new ChunkKey(chunk.DocumentId, chunk.Position)] = chunk;
        }
        return keys.Where(found.ContainsKey).Select(k => found[k]).ToList();
    }

    private async Task<IReadOnlyList<RankedChunk>> Ranked(string sql, Guid assistantId, string query, int limit)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("assistant", assistantId);
        command.Parameters.AddWithValue("query", query);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadRanked(command);
    }

    /// <summary>Rows of (document id, position, score), in the order the query gave them.</summary>
    private static async Task<IReadOnlyList<RankedChunk>> ReadRanked(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<RankedChunk>();
        while (await reader.ReadAsync())
        {
            list.Add(new RankedChunk(new ChunkKey(reader.GetGuid(0), reader.GetInt32(1)), reader.GetDouble(2)));
        }
        return list;
    }

    private async Task<IReadOnlyList<KnowledgeDocument>> Documents(string sql, Action<NpgsqlCommand> bind)
    {
        await using var command = dataSource.CreateCommand(sql);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<KnowledgeDocument>();
        while (await reader.ReadAsync())
        {
            list.Add(new KnowledgeDocument(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), Enum.Parse<FileFormat>(reader.GetString(4), true),
                reader.GetInt64(5), Enum.Parse<DocumentStatus>(reader.GetString(6), true), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetInt32(8), reader.GetInt32(9), reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetString(11), reader.GetBoolean(12),
                reader.GetInt32(13), reader.GetInt32(14), reader.IsDBNull(15) ? null : reader.GetString(15),
                new DateTimeOffset(reader.GetDateTime(16), TimeSpan.Zero), new DateTimeOffset(reader.GetDateTime(17), TimeSpan.Zero)));
        }
        return list;
    }

    private static void Bind(NpgsqlCommand c, KnowledgeDocument d)
    {
        c.Parameters.AddWithValue("id", d.Id);
        c.Parameters.AddWithValue("account", d.AccountId);
        c.Parameters.AddWithValue("assistant", d.AssistantId);
        c.Parameters.AddWithValue("file", d.FileName);
        c.Parameters.AddWithValue("format", d.Format.ToString().ToLowerInvariant());
        c.Parameters.AddWithValue("size", d.SizeBytes);
        c.Parameters.AddWithValue("status", d.Status.ToString().ToLowerInvariant());
        c.Parameters.AddWithValue("error", NpgsqlDbType.Text, (object?)d.Error ?? DBNull.Value);
        c.Parameters.AddWithValue("done", d.ChunksDone);
        c.Parameters.AddWithValue("total", d.ChunksTotal);
        c.Parameters.AddWithValue("pages", d.Pages);
        c.Parameters.AddWithValue("language", NpgsqlDbType.Text, (object?)d.Language ?? DBNull.Value);
        c.Parameters.AddWithValue("enabled", d.Enabled);
        c.Parameters.AddWithValue("version", d.Version);
        c.Parameters.AddWithValue("active", d.ActiveVersion);
        c.Parameters.AddWithValue("model", NpgsqlDbType.Text, (object?)d.EmbeddingModel ?? DBNull.Value);
        c.Parameters.AddWithValue("created", d.CreatedAt);
        c.Parameters.AddWithValue("updated", d.UpdatedAt);
    }
}
