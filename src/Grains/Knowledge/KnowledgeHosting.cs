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
        services.TryAddSingleton<KnowledgeReindexer>();
        services.AddHostedService(sp => sp.GetRequiredService<KnowledgeReindexer>());
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<KnowledgeOptions>>().Value;
            var workers = sp.GetRequiredService<IndexingWorkers>();
            return new ConfiguredEmbedder(o.Embedder switch
            {
                EmbedderKind.MiniLm => new LocalEmbedder(new MiniLmEmbedder(), workers),
                EmbedderKind.Onnx => new LocalEmbedder(new OnnxEmbedder(o.OnnxModelPath!, o.OnnxVocabPath!, o.OnnxModelName!, o.OnnxMaxTokens), workers),
                EmbedderKind.Provider => new ProviderEmbedder(sp.GetRequiredService<ReplyX.Ai.AiRouter>(), o.ProviderModel!, o.ProviderDimensions),
                _ => null,
            });
        });
        return services;
    }
}

/// <summary>The embedder <see cref="KnowledgeOptions.Embedder"/> chose; none when retrieval is lexical only.</summary>
public sealed record ConfiguredEmbedder(IEmbedder? Embedder);
