using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Knowledge;

public static class KnowledgeHosting
{
    /// <summary>The knowledge base's options, embedder, workers, caches and pipeline (the store is chosen with the other stores).</summary>
    public static IServiceCollection AddReplyXKnowledge(this IServiceCollection services)
    {
        services.AddValidatedOptions<KnowledgeOptions, KnowledgeOptionsValidator>(KnowledgeOptions.Section);
        services.TryAddSingleton<IndexingWorkers>();
        services.TryAddSingleton<KnowledgeCache>();
        services.TryAddSingleton<DocumentPipeline>();
        services.TryAddSingleton<HybridRetriever>();
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
            return new ConfiguredEmbedder(o.Embedder switch
            {
                EmbedderKind.MiniLm => new MiniLmEmbedder(),
                EmbedderKind.Onnx => new OnnxEmbedder(o.OnnxModelPath!, o.OnnxVocabPath!, o.OnnxModelName!, o.OnnxMaxTokens),
                _ => null,
            });
        });
        return services;
    }
}

/// <summary>The embedder <see cref="KnowledgeOptions.Embedder"/> chose; none when retrieval is lexical only.</summary>
public sealed record ConfiguredEmbedder(IEmbedder? Embedder);
