namespace ReplyX.Bots;

[GenerateSerializer, Alias("ReplyX.Bots.BotState")]
public sealed class BotState
{
    [Id(0)] public Guid AccountId { get; set; }
    [Id(1)] public Guid AssistantId { get; set; }
    [Id(2)] public string? EncryptedToken { get; set; }
    [Id(3)] public string Username { get; set; } = "";
    [Id(4)] public long TelegramId { get; set; }
    [Id(5)] public bool Enabled { get; set; }
    [Id(6)] public int Offset { get; set; }
    [Id(7)] public BotStatus Status { get; set; } = BotStatus.Stopped;
    [Id(8)] public string? LastError { get; set; }
    [Id(9)] public long UpdatesIn { get; set; }
    // [Id(10)], [Id(11)] held the send counters (now the outbox's) and [Id(13)] the chats awaiting an answer
    // (now each dialog's own recovery); never reuse them.
    [Id(12)] public string? WebhookSecret { get; set; }
}
