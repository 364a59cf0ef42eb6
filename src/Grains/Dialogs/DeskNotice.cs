using Microsoft.Extensions.Logging;
using ReplyX.Desk;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

/// <summary>
/// Tells the account's operator desk that a dialog changed hands. Awaited, so one dialog's changes arrive in
/// order; the desk never calls back. The change is stored already: if the desk cannot be told, it reads it from
/// the store at its next resync, so a failure is logged and nothing else.
/// </summary>
internal static class DeskNotice
{
    public static async Task Tell(IGrainFactory grains, Guid accountId, Guid dialogId, DialogMode mode, Guid? operatorId, ILogger logger)
    {
        try
        {
            await grains.GetGrain<IOperatorDeskGrain>(accountId).DialogChanged(dialogId, mode, operatorId);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            DialogLog.DeskNotTold(logger, dialogId, Errors.Describe(ex));
        }
    }
}
