using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplyX.Knowledge;

/// <summary>
/// When the configured embedder changes, documents embedded by the old one are re-embedded in the background:
/// every <see cref="KnowledgeOptions.ReindexInterval"/> this silo asks the store for ready documents whose
/// vectors are of another model and wakes their grains (each runs one at a time, in the indexing slots; they
/// stay searchable by words meanwhile). A run cut short by a crash is simply found stale again.
/// </summary>
public sealed partial class KnowledgeReindexer(
    IGrainFactory grains, IKnowledgeStore store, DocumentPipeline pipeline, IOptions<KnowledgeOptions> options, TimeProvider time,
    ILogger<KnowledgeReindexer> logger) : BackgroundService
{
    /// <summary>Documents woken per scan.</summary>
    public const int Batch = 20;

    /// <summary>One scan: how many documents started re-embedding.</summary>
    public async Task<int> ScanOnce(CancellationToken cancellationToken = default)
    {
        if (pipeline.Model is not { } model)
        {
            return 0;
        }
        var started = 0;
        foreach (var document in await store.Stale(model, Batch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await grains.GetGrain<IDocumentGrain>(document.Id).Reindex())
            {
                started++;
            }
        }
        if (started > 0)
        {
            LogStarted(started, model);
        }
        return started;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (pipeline.Model is null)
        {
            return; // lexical retrieval only: no vectors to keep current
        }
        using var timer = new PeriodicTimer(options.Value.ReindexInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await ScanOnce(stoppingToken);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException or System.Data.Common.DbException or InvalidOperationException
                                       && !stoppingToken.IsCancellationRequested)
            {
                LogScanFailed(Hosting.Errors.Describe(ex)); // the silo is starting or the store is down: the next tick retries
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-embedding {Count} documents with {Model}")]
    private partial void LogStarted(int count, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scanning for documents to re-embed failed, retried at the next tick: {Error}")]
    private partial void LogScanFailed(string error);
}
