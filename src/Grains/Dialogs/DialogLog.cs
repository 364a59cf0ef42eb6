using Microsoft.Extensions.Logging;

namespace ReplyX.Dialogs;

/// <summary>The dialog grain's log events (message templates, generated at compile time).</summary>
internal static partial class DialogLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId} taken over by {OperatorId} while an AI answer is being generated")]
    public static partial void TakeoverDuringAi(ILogger logger, Guid dialogId, Guid operatorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId} handed to operators ({Reason})")]
    public static partial void Handoff(ILogger logger, Guid dialogId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId}: the channel refused a message ({Refusal})")]
    public static partial void Unreachable(ILogger logger, Guid dialogId, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId}: the desk was not told of a change of hands (it reads it at its next resync): {Error}")]
    public static partial void DeskNotTold(ILogger logger, Guid dialogId, string error);
}
