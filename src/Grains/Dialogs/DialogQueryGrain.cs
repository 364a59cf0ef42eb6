using Orleans.Concurrency;

namespace ReplyX.Dialogs;

/// <summary>Lists and transcripts straight from the store, on whichever silo takes the call.</summary>
[StatelessWorker, GrainType("dialog-query")]
public sealed class DialogQueryGrain(IDialogDirectory directory, IDialogStore store) : Grain, IDialogQueryGrain
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
        return new Transcript(dialog, messages, older);
    }

    public async Task<bool> Rate(Guid accountId, Guid dialogId, DialogRating rating) =>
        await directory.Find(accountId, dialogId) is { Mode: DialogMode.Closed } && await directory.Rate(accountId, dialogId, rating);

    public async Task<IReadOnlyList<DialogMessage>?> After(Guid accountId, Guid dialogId, long afterSeq, int limit) =>
        await directory.Find(accountId, dialogId) is null ? null : await store.Messages(dialogId, afterSeq, Math.Clamp(limit, 1, 1000));
}
