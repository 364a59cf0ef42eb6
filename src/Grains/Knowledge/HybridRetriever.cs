using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplyX.Knowledge;

/// <summary>Reciprocal-rank fusion: a passage's score is the sum of 1 / (k + rank) over the lists that found it.</summary>
public static class RankFusion
{
    public const int K = 60;

    public static List<(ChunkKey Key, double Score)> Fuse(params IReadOnlyList<RankedChunk>[] lists)
    {
        var scores = new Dictionary<ChunkKey, double>();
        foreach (var list in lists)
        {
            for (var rank = 0; rank < list.Count; rank++)
            {
                scores[list[rank].Key] = scores.GetValueOrDefault(list[rank].Key) + 1.0 / (K + rank + 1);
            }
        }
        return scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key.DocumentId).ThenBy(s => s.Key.Position)
            .Select(s => (s.Key, s.Value)).ToList();
    }
}

/// <summary>What is searched for a customer's message: a short follow-up ("and how much is it?") borrows the previous question's words.</summary>
public static class RetrievalQuery
{
    public const int FollowUpWords = 6;

    public static string Compose(string question, string? context)
    {
        if (string.IsNullOrWhiteSpace(context))
        {
            return question;
        }
        var words = question.Split((char[])[' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Length;
        return words <= FollowUpWords ? context.Trim() + "\n" + question : question;
    }
}

/// <summary>Per silo: which assistants have documents (briefly cached, so assistants without any cost nothing) and their vector matrices.</summary>
public sealed class KnowledgeCache(IKnowledgeStore store, TimeProvider time, IOptions<KnowledgeOptions> options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, (long Stamp, DateTimeOffset At)> _stamps = [];
    private readonly Dictionary<(Guid, string), VectorSnapshot> _vectors = [];

    public async Task<long> Stamp(Guid assistantId)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_stamps.TryGetValue(assistantId, out var known) && now - known.At < options.Value.StampCacheTime)
            {
                return known.Stamp;
            }
        }
        var stamp = await store.Stamp(assistantId);
        lock (_gate)
        {
            _stamps[assistantId] = (stamp, now);
        }
        return stamp;
    }

    /// <summary>Forgets what this silo knows of an assistant (its documents changed here).</summary>
    public void Invalidate(Guid assistantId)
    {
        lock (_gate)
        {
            _stamps.Remove(assistantId);
        }
    }

    public async Task<VectorSnapshot> Vectors(Guid assistantId, string model, long stamp)
    {
        lock (_gate)
        {
            if (_vectors.TryGetValue((assistantId, model), out var cached) && cached.Stamp >= stamp)
            {
                return cached;
            }
        }
        var snapshot = await store.Vectors(assistantId, model);
        lock (_gate)
        {
            _vectors[(assistantId, model)] = snapshot;
        }
        return snapshot;
    }
}

/// <summary>
/// Hybrid retrieval: full text (stemmed, per language), word trigrams and vectors, fused by reciprocal rank; each
/// hit carries every retriever's absolute evidence, and <see cref="SearchHit.Relevant"/> says whether any reaches
/// the assistant's threshold, so "nothing found" can be told from "something found".
/// </summary>
public sealed partial class HybridRetriever(
    IKnowledgeStore store, KnowledgeCache cache, ConfiguredEmbedder configured, IOptions<KnowledgeOptions> options, ILogger<HybridRetriever>? logger = null)
{
    private readonly IEmbedder? embedder = configured.Embedder;
    private readonly ILogger _logger = (ILogger?)logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>What the assistant's documents say to a question (its retrieval settings): a dialog's answer and the one-off ask.</summary>
    /// <param name="context">The customer's previous message, which resolves a short follow-up ("and how much is it?").</param>
    public async Task<Grounding> Ground(ReplyX.Assistants.Assistant assistant, string question, string? context)
    {
        var settings = assistant.Settings.Retrieval ?? RetrievalSettings.Default;
        return Grounding.From(await Search(assistant.AccountId, assistant.Id, question, context, settings), question, settings);
    }

    /// <param name="accountId">Pays for the question's embedding when the embedder is a provider's.</param>
    public async Task<SearchResult> Search(Guid? accountId, Guid assistantId, string question, string? context, RetrievalSettings settings, int? k = null)
    {
        var stamp = await cache.Stamp(assistantId);
        if (stamp == 0 || string.IsNullOrWhiteSpace(question))
        {
            return new SearchResult([], false, embedder?.Model);
        }
        var query = RetrievalQuery.Compose(question, context);
        var limit = options.Value.Candidates;
        var fullText = store.FullText(assistantId, query, limit);
        var trigram = store.Trigram(assistantId, query, limit);
        float[]? queryVector = null;
        IReadOnlyList<RankedChunk> vector = [];
        VectorSnapshot? snapshot = null;
        if (embedder is not null && embedder.Supports(LanguageDetector.Detect(query)))
        {
            queryVector = await QueryVector(accountId, query);
        }
        if (embedder is not null && queryVector is not null)
        {
            if (await store.Nearest(assistantId, embedder.Model, queryVector, limit) is { } nearest)
            {
                vector = nearest; // pgvector: the database searches, no silo holds the matrix
            }
            else
            {
                snapshot = await cache.Vectors(assistantId, embedder.Model, stamp);
                vector = Vectors.TopK(snapshot, queryVector, limit);
            }
        }
        // The two lexical lists are fused first, so that together they weigh as much as the vectors.
        var lexical = RankFusion.Fuse(await fullText, await trigram).Select(f => new RankedChunk(f.Key, f.Score)).ToList();
        var fused = RankFusion.Fuse(lexical, vector).Take(k ?? settings.TopK).ToList();
        var chunks = (await store.Read(fused.Select(f => f.Key).ToList())).ToDictionary(c => new ChunkKey(c.DocumentId, c.Position));
        var stems = LexicalAnalysis.Stems(query);
        var words = RelevanceScorer.ContentWords(query);
        var cosines = vector.ToDictionary(v => v.Key, v => v.Score);
        var hits = new List<SearchHit>(fused.Count);
        foreach (var (key, score) in fused)
        {
            if (!chunks.TryGetValue(key, out var chunk))
            {
                continue; // deleted meanwhile
            }
            var coverage = RelevanceScorer.StemCoverage(stems, chunk.SearchText);
            var similarity = RelevanceScorer.WordSimilarity(words, chunk.SearchText);
            double? cosine = cosines.TryGetValue(key, out var c) ? c : snapshot is not null && queryVector is not null ? Cosine(snapshot, key, queryVector) : null;
            var evidence = Math.Max(Math.Max(coverage, similarity), cosine ?? 0);
            hits.Add(new SearchHit(chunk.Source, chunk.Position, chunk.Text, score, coverage, similarity, cosine, evidence >= settings.MinScore));
        }
        return new SearchResult(hits, true, embedder?.Model);
    }

    /// <summary>The question's vector; when a provider cannot embed it now, retrieval goes on with the lexical side alone.</summary>
    private async Task<float[]?> QueryVector(Guid? accountId, string query)
    {
        try
        {
            return (await embedder!.Embed([query], new EmbeddingUse(accountId, Indexing: false)))[0];
        }
        catch (Exception ex) when (ex is ReplyX.Ai.AiUnavailableException or ReplyX.Ai.AiNotConfiguredException)
        {
            LogLexicalOnly(embedder!.Model, ex.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedding a question with {Model} failed, searching by words alone: {Reason}")]
    private partial void LogLexicalOnly(string model, string reason);

    private static double? Cosine(VectorSnapshot snapshot, ChunkKey key, float[] query)
    {
        var row = snapshot.Row(key);
        return row.IsEmpty ? null : System.Numerics.Tensors.TensorPrimitives.Dot(row, query);
    }
}
