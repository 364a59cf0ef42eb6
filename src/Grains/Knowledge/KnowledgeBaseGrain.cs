using ReplyX.Assistants;

namespace ReplyX.Knowledge;

/// <summary>Document lists and retrieval for any assistant, on every silo in parallel.</summary>
[GrainType("knowledge-base"), Orleans.Concurrency.StatelessWorker]
public sealed class KnowledgeBaseGrain(HybridRetriever retriever, IKnowledgeStore store) : Grain, IKnowledgeBaseGrain
{
    public async Task<IReadOnlyList<KnowledgeDocument>?> Documents(Guid accountId, Guid assistantId) =>
        await GrainFactory.GetGrain<IAssistantGrain>(assistantId).Get(accountId) is null ? null : await store.List(accountId, assistantId);

    public async Task<SearchResult?> Search(Guid accountId, Guid assistantId, string query, string? context, int? k)
    {
        var assistant = await GrainFactory.GetGrain<IAssistantGrain>(assistantId).Get(accountId);
        if (assistant is null)
        {
            return null;
        }
        return await retriever.Search(accountId, assistantId, query, context, assistant.Settings.Retrieval ?? RetrievalSettings.Default, k);
    }
}
