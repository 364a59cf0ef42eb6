using Microsoft.Extensions.Options;

namespace ReplyX.Knowledge;

/// <summary>
/// Where CPU-bound document work runs: on the thread pool, never on a grain's thread, and at most
/// <see cref="KnowledgeOptions.Parallelism"/> jobs at once per silo, so indexing never takes the cores the
/// message path needs. Questions' embeddings are short and skip the queue.
/// </summary>
public sealed class IndexingWorkers(IOptions<KnowledgeOptions> options)
{
    private readonly SemaphoreSlim _slots = new(options.Value.Parallelism);

    public async Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(work, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    public static Task<T> RunNow<T>(Func<T> work) => Task.Run(work);
}
