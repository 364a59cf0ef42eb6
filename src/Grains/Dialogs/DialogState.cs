namespace ReplyX.Dialogs;

[GenerateSerializer, Alias("ReplyX.Dialogs.DialogState")]
public sealed class DialogState
{
    [Id(0)] public DialogStart? Start { get; set; }
    [Id(1)] public DialogMode Mode { get; set; }
    [Id(2)] public Guid? OperatorId { get; set; }
    [Id(3)] public long LastSeq { get; set; }
    [Id(4)] public long LastProcessedSeq { get; set; }
    // [Id(5)] held the recent messages until they moved out of persisted state; never reuse it.
    [Id(6)] public int AiTurns { get; set; }
    [Id(7)] public bool OfferedHuman { get; set; }
    [Id(8)] public long EventSeq { get; set; }
    [Id(9)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The channel refused our messages for good (the Telegram user blocked the bot) until the user writes again.</summary>
    [Id(10)] public bool Unreachable { get; set; }
}
