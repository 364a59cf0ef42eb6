namespace ReplyX.Bots;

/// <summary>The <c>Telegram</c> section: the Bot API, webhooks or long polling, pacing and connection pools.</summary>
public sealed class TelegramOptions
{
    public const string Section = "Telegram";

    /// <summary>The Bot API base URL: Telegram's, a local Bot API server, or a fake in tests.</summary>
    public string ApiBaseUrl { get; set; } = "https://api.telegram.org";

    /// <summary>This deployment's public https URL; when set, bots use webhooks at {PublicUrl}/telegram/{botId}, otherwise long polling.</summary>
    public string? PublicUrl { get; set; }

    /// <summary>Long-poll timeout sent to getUpdates; the HTTP timeout is longer, so a quiet bot is not an error.</summary>
    public TimeSpan PollTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Spacing of messages to one private chat (Telegram: about one per second).</summary>
    public TimeSpan PrivateChatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Spacing of messages to one group (Telegram: 20 per minute).</summary>
    public TimeSpan GroupChatInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Messages one bot may send per second (Telegram: about 30).</summary>
    public int PerBotPerSecond { get; set; } = 30;

    /// <summary>First back-off after a failed poll or webhook registration; it doubles up to 30 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a reminder checks that every enabled bot runs (and re-sends anything undelivered).</summary>
    public TimeSpan KeepAlivePeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Per-bot series in /metrics (label <c>bot</c>) besides the silo totals.</summary>
    public bool PerBotMetrics { get; set; } = true;

    /// <summary>
    /// Connections for long polls: each polling bot holds one for the length of its poll, so this bounds the
    /// number of polling bots a silo serves (mind the process's open-file limit; webhook mode needs none).
    /// </summary>
    public int MaxPollConnections { get; set; } = 15_000;

    /// <summary>
    /// Connections for every other Bot API call (sendMessage, sendChatAction, setWebhook…), shared by all bots:
    /// a burst of replies queues for a connection instead of opening thousands of sockets.
    /// </summary>
    public int MaxCallConnections { get; set; } = 256;

    /// <summary>
    /// HTTP version towards the Bot API. <c>Auto</c>: HTTP/2 over https (api.telegram.org negotiates it; all
    /// long polls then share a few connections instead of one socket each), HTTP/1.1 over plain http (a local
    /// Bot API server speaks only HTTP/1.1). <c>Http2</c> forces it (prior knowledge on plain http);
    /// <c>Http11</c> never uses it.
    /// </summary>
    public TelegramHttpVersion HttpVersion { get; set; } = TelegramHttpVersion.Auto;

    /// <summary>
    /// Connections for "typing…" hints (sendChatAction), apart from the replies' pool, so a wave of hints can
    /// never take a connection a reply needs.
    /// </summary>
    public int MaxActionConnections { get; set; } = 16;

    /// <summary>"Typing…" hints one bot may have in flight; more are dropped (a hint is decoration, a reply is not).</summary>
    public int MaxTypingInFlight { get; set; } = 4;

    /// <summary>
    /// How long Telegram may answer 409 Conflict to getUpdates before the bot is marked failed: a brief double
    /// activation (two pollers for a moment after a false suspicion) also draws 409s and must not stop the bot.
    /// </summary>
    public TimeSpan ConflictGracePeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long what every update or reply moves in a bot's grain state (the poll offset, the outbox's counters)
    /// may wait before it is written; lifecycle changes are written at once. Nothing depends on these being
    /// current: Telegram forgets confirmed updates, so an older offset only asks for what is still unconfirmed,
    /// and dialogs recognise a redelivered update by its id.
    /// </summary>
    public TimeSpan StateFlushDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Back-pressure above capacity: while more of a silo's dialogs than this are answering and the silo is busy
    /// (<see cref="IntakeBusyLag"/>), polling bots stop fetching updates (they wait at Telegram) so the CPU goes
    /// to answering what was taken in. Zero turns it off. Webhook deliveries are not held back.
    /// </summary>
    public int IntakeMaxAnswering { get; set; } = 500;

    /// <summary>How late the silo's thread pool must run queued work (smoothed over ~200 ms) for the silo to count as busy.</summary>
    public TimeSpan IntakeBusyLag { get; set; } = TimeSpan.FromMilliseconds(5);
}

public enum TelegramHttpVersion
{
    Auto,
    Http11,
    Http2,
}
