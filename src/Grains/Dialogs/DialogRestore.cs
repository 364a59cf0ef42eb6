using ReplyX.Assistants;

namespace ReplyX.Dialogs;

/// <summary>
/// A (re)activated dialog's state, from the tables, which are the truth: whose dialog it is and who has it
/// from its <c>dialogs</c> row (a new dialog writes no grain state), messages stored after the last state
/// write from <c>dialog_messages</c>, and the counters those messages imply.
/// </summary>
internal static class DialogRestore
{
    /// <summary>False for a dialog never opened.</summary>
    public static async Task<bool> Run(Guid dialogId, DialogState state, RecentMessages recent, IDialogStore store, int window,
        Func<Task<Assistant?>> assistant, CancellationToken cancellationToken)
    {
        if (await store.GetDialog(dialogId, cancellationToken) is { } row)
        {
            state.RestoreFrom(row);
        }
        if (state.Start is null)
        {
            return false;
        }
        foreach (var message in await store.Latest(dialogId, window, cancellationToken))
        {
            recent.Add(message);
        }
        state.RestoreFrom(recent);
        if (state.Mode == DialogMode.Ai && recent.Items.Count > 0)
        {
            (state.AiTurns, state.OfferedHuman) = HandoffPolicy.Rebuild(recent.Items, (await assistant())?.Settings);
        }
        return true;
    }
}
