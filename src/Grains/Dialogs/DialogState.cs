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

    /// <summary>After a (re)activation: the dialog's row says whose it is and who has it (mode changes write it first).</summary>
    public void RestoreFrom(DialogRecord row)
    {
        Start ??= new DialogStart(row.AccountId, row.AssistantId, row.Channel, row.ExternalChat, row.ChannelId, row.Origin);
        Mode = row.Mode;
        OperatorId = row.OperatorId;
        if (CreatedAt == default)
        {
            CreatedAt = row.CreatedAt;
        }
    }

    /// <summary>
    /// After a (re)activation: what was stored after the last state write is in <paramref name="recent"/>, read
    /// back from the table. Events published since must not be numbered again, so numbering jumps well above.
    /// </summary>
    public void RestoreFrom(RecentMessages recent)
    {
        LastSeq = Math.Max(LastSeq, recent.Items.Count > 0 ? recent.Items[^1].Seq : 0);
        EventSeq += 10_000;
        if (recent.LastReply() is { } lastReply)
        {
            LastProcessedSeq = Math.Max(LastProcessedSeq, lastReply.Seq); // answers go out in order
        }
        if (Mode != DialogMode.Ai)
        {
            LastProcessedSeq = LastSeq; // operators answer what came while they had the dialog
        }
    }

    /// <summary>The dialog's row: whose it is, on which channel and who has it now.</summary>
    public DialogRecord ToRecord(Guid id, DateTimeOffset updatedAt) =>
        new(id, Start!.AccountId, Start.AssistantId, Start.Channel, Start.ExternalChat, Mode, OperatorId, CreatedAt, updatedAt, Start.ChannelId, Start.Origin);

    public DialogSnapshot Snapshot(Guid id, RecentMessages recent, bool answering) =>
        new(id, Start!.AccountId, Start.AssistantId, Start.Channel, Mode, OperatorId, recent.Items.ToArray(), answering, LastSeq,
            Mode == DialogMode.Ai ? recent.CountUnanswered(LastProcessedSeq) : 0);
}
