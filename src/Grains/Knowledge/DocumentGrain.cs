using Microsoft.Extensions.Logging;
using Orleans.Streams;
using ReplyX.Assistants;
using ReplyX.Dialogs;
using ReplyX.Hosting;

namespace ReplyX.Knowledge;

/// <summary>
/// Orchestrates one document: accepts a stored upload, runs its <see cref="DocumentPipeline"/> off the request
/// (progress on the account feed), and keeps a reminder while it is processing so that a silo's crash only
/// delays it. The record in <see cref="IKnowledgeStore"/> is the state.
/// </summary>
[GrainType("document")]
public sealed partial class DocumentGrain(
    IKnowledgeStore store, DocumentPipeline pipeline, KnowledgeCache cache, ReplyX.Billing.ServiceCharges charges, TimeProvider time, ILogger<DocumentGrain> logger)
    : Grain, IDocumentGrain, IRemindable
{
    private const string Resume = "resume";
    private static readonly TimeSpan ResumePeriod = TimeSpan.FromMinutes(1);
    private const int MaxAttempts = 3;

    private KnowledgeDocument? _document;
    private Task? _running;
    private int _runningVersion;
    private int _attempts;

    private Guid Id => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _document = await store.Get(Id);
        if (_document?.Status == DocumentStatus.Processing)
        {
            Start(); // a silo died while processing it, or a reminder woke it
        }
    }

    public async Task<UploadResult> Upload(Guid accountId, Guid? assistantId, string fileName, byte[] content)
    {
        if (_document is { } existing && (existing.AccountId != accountId || assistantId is { } a && a != existing.AssistantId)
            || _document is null && assistantId is null
            || await GrainFactory.GetGrain<IAssistantGrain>(assistantId ?? _document!.AssistantId).Get(accountId) is null)
        {
            return new UploadResult(UploadOutcome.NotFound, null, null);
        }
        FileFormat format;
        try
        {
            format = DocumentSniffer.Detect(fileName, content);
        }
        catch (DocumentRejectedException ex)
        {
            return new UploadResult(ex.UnsupportedType ? UploadOutcome.UnsupportedType : UploadOutcome.Rejected, null, ex.Message);
        }
        if (!await charges.MayPay(accountId, ReplyX.Billing.BillingServices.DocumentUpload))
        {
            return new UploadResult(UploadOutcome.Unpaid, null, "The balance cannot pay for processing a document.");
        }
        var now = Now();
        var version = (_document?.Version ?? 0) + 1;
        _document = (_document ?? new KnowledgeDocument(Id, accountId, assistantId!.Value, fileName, format, content.Length, DocumentStatus.Processing, null,
            0, 0, 0, null, Enabled: true, version, ActiveVersion: 0, null, now, now)) with
        {
            FileName = fileName, Format = format, SizeBytes = content.Length, Status = DocumentStatus.Processing, Error = null,
            ChunksDone = 0, ChunksTotal = 0, Version = version, UpdatedAt = now,
        };
        // The row, then its file (the file refers to it): a crash between the two leaves the version without a
        // file, which its run then fails with "upload it again"; a replaced version keeps answering meanwhile.
        await store.Save(_document);
        await store.SaveFile(Id, version, content);
        await this.RegisterOrUpdateReminder(Resume, ResumePeriod, ResumePeriod);
        _attempts = 0;
        await Publish(_document);
        Start();
        return new UploadResult(UploadOutcome.Accepted, _document, null);
    }

    public Task<KnowledgeDocument?> Get(Guid accountId) => Task.FromResult(_document?.AccountId == accountId ? _document : null);

    public async Task<KnowledgeDocument?> SetEnabled(Guid accountId, bool enabled)
    {
        if (_document?.AccountId != accountId)
        {
            return null;
        }
        if (_document.Enabled != enabled)
        {
            _document = _document with { Enabled = enabled, UpdatedAt = Now() };
            await store.Save(_document);
            cache.Invalidate(_document.AssistantId);
            await Publish(_document);
        }
        return _document;
    }

    public async Task<bool> Delete(Guid accountId)
    {
        if (_document?.AccountId != accountId || !await store.Delete(accountId, Id))
        {
            return false;
        }
        cache.Invalidate(_document.AssistantId);
        await StopReminder();
        _document = null;
        DeactivateOnIdle();
        return true;
    }

    public Task<bool> Reindex()
    {
        if (_document is not { Status: DocumentStatus.Ready } document || pipeline.Model is null || document.EmbeddingModel == pipeline.Model
            || _running is { IsCompleted: false })
        {
            return Task.FromResult(false);
        }
        _runningVersion = document.Version;
        _running = Reembed(document);
        return Task.FromResult(true);
    }

    /// <summary>No reminder: a re-embedding cut short by a crash is found stale again by <see cref="KnowledgeReindexer"/>.</summary>
    private async Task Reembed(KnowledgeDocument document)
    {
        var version = document.Version;
        try
        {
            if (await pipeline.Reembed(document, ProgressOf(version), () => _document?.Version != version) is { } done && _document?.Version == version)
            {
                _document = done;
                cache.Invalidate(done.AssistantId);
                await Publish(done);
                LogReembedded(Id, version, done.EmbeddingModel ?? "");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogReembedFailed(Id, version, Errors.Describe(ex));
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (_document?.Status != DocumentStatus.Processing)
        {
            return StopReminder();
        }
        Start();
        return Task.CompletedTask;
    }

    /// <summary>Runs the current version unless that very version is running already.</summary>
    private void Start()
    {
        if (_document is null || _running is { IsCompleted: false } && _runningVersion == _document.Version)
        {
            return;
        }
        _runningVersion = _document.Version;
        _running = Process(_document);
    }

    private async Task Process(KnowledgeDocument document)
    {
        var version = document.Version;
        try
        {
            var result = await pipeline.Run(document, ProgressOf(version), () => _document?.Version != version);
            if (result.Status != DocumentStatus.Processing)
            {
                cache.Invalidate(result.AssistantId);
                await StopReminder();
                LogProcessed(Id, version, result.Status, result.ChunksTotal, result.Error ?? "");
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Stores and workers failing: the reminder retries; a document that fails every time is marked failed.
            LogProcessingFailed(ex, Id, version);
            if (++_attempts >= MaxAttempts && _document?.Version == version)
            {
                await ProgressOf(version)(document with { Status = DocumentStatus.Failed, Error = "Processing failed several times; upload the document again." });
                await StopReminder();
            }
        }
    }

    /// <summary>Stores and announces a step of <paramref name="version"/>'s run, unless a newer upload replaced it.</summary>
    private Func<KnowledgeDocument, Task> ProgressOf(int version) => async step =>
    {
        if (_document?.Version != version)
        {
            return;
        }
        _document = step;
        await store.Save(step);
        await Publish(step);
    };

    private async Task StopReminder()
    {
        if (await this.GetReminder(Resume) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task Publish(KnowledgeDocument d)
    {
        try
        {
            var evt = new DialogEvent(0, d.Id, d.AccountId, DialogEventKinds.DocumentStatus, null, null, null, null, null,
                new DocumentProgress(d.AssistantId, d.Status, d.ChunksDone, d.ChunksTotal, d.Error));
            await this.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, d.AccountId)).OnNextAsync(evt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            LogNotPublished(Id, Errors.Describe(ex)); // a notification only: the list reads the store
        }
    }

    private DateTimeOffset Now() => DialogNames.Micro(time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {DocumentId} version {Version}: {Status}, {Chunks} chunks {Error}")]
    private partial void LogProcessed(Guid documentId, int version, DocumentStatus status, int chunks, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Document {DocumentId} version {Version}: processing failed; the reminder retries")]
    private partial void LogProcessingFailed(Exception exception, Guid documentId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Document {DocumentId} version {Version} re-embedded with {Model}")]
    private partial void LogReembedded(Guid documentId, int version, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Document {DocumentId} version {Version}: re-embedding failed, retried at the next scan: {Error}")]
    private partial void LogReembedFailed(Guid documentId, int version, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Document {DocumentId}: a progress event was not published: {Error}")]
    private partial void LogNotPublished(Guid documentId, string error);
}
