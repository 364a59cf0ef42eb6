using Orleans.Concurrency;
using Orleans.Streams;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

/// <summary>Lists and transcripts straight from the store, on whichever silo takes the call.</summary>
[StatelessWorker, GrainType("dialog-query")]
public sealed partial class DialogQueryGrain(IDialogDirectory directory, IDialogStore store, TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<DialogQueryGrain> logger) : Grain, IDialogQueryGrain
{
    public Task<DialogPage> List(Guid accountId, DialogQuery query) => directory.List(accountId, query);

    public Task<DialogSummary?> Find(Guid accountId, Guid dialogId) => directory.Find(accountId, dialogId);

    public async Task<Transcript?> Transcript(Guid accountId, Guid dialogId, long? beforeSeq, int limit)
    {
        if (await directory.Find(accountId, dialogId) is not { } dialog)
        {
            return null;
        }
        limit = Math.Clamp(limit, 1, DialogListRules.MaxLimit);
        var messages = await directory.Before(dialogId, beforeSeq ?? long.MaxValue, limit);
        var older = messages.Count == limit && messages[0].Seq > 1 ? messages[0].Seq : (long?)null;
        return new Transcript(dialog, messages, older, await directory.Notes(dialogId));
    }

    public async Task<DialogNote?> AddNote(Guid accountId, Guid dialogId, Guid authorId, string text)
    {
        if (await directory.Find(accountId, dialogId) is null)
        {
            return null;
        }
        var note = new DialogNote(Guid.NewGuid(), authorId, text, time.GetUtcNow());
        await directory.AddNote(dialogId, note);
        var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Dialog, dialogId));
        try
        {
            await stream.OnNextAsync(new DialogEvent(0, dialogId, accountId, DialogEventKinds.Note,
                new DialogMessage(0, note.At, MessageAuthor.Operator, note.Text, note.Id.ToString(), false, authorId), null, null, authorId));
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            LogNoteNotPublished(dialogId, Errors.Describe(ex)); // stored: a live view sees it on its next read of the transcript
        }
        return note;
    }

    public Task<bool> Rate(Guid accountId, Guid dialogId, DialogRating rating) => directory.Rate(accountId, dialogId, rating);

    public async Task<IReadOnlyList<DialogMessage>?> After(Guid accountId, Guid dialogId, long afterSeq, int limit) =>
        await directory.Find(accountId, dialogId) is null ? null : await store.Messages(dialogId, afterSeq, Math.Clamp(limit, 1, 1000));

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "A note on dialog {DialogId} was stored but not published: {Error}")]
    private partial void LogNoteNotPublished(Guid dialogId, string error);
}
