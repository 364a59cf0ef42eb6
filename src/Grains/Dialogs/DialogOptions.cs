namespace ReplyX.Dialogs;

public sealed class DialogOptions
{
    public const string Section = "Dialogs";

    /// <summary>Messages kept in the activation; the full history is in <c>dialog_messages</c>.</summary>
    public int RecentWindow { get; set; } = 50;

    /// <summary>Approximate tokens of history sent to the model (system prompt included).</summary>
    public int HistoryTokenBudget { get; set; } = 3000;

    /// <summary>How long a dialog waits for a free AI key before it answers with the fallback text and calls an operator.</summary>
    public TimeSpan MaxAiWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Ask providers for streamed answers and publish partial text as "typing" events.</summary>
    public bool StreamPartials { get; set; } = true;

    /// <summary>Minimum spacing of partial-answer ("typing") events.</summary>
    public TimeSpan TypingInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long an answer may take before "typing…" is shown (in the messenger, refreshed every 4.5 s, and on
    /// the dialog's stream): an answer that comes sooner needs no hint.
    /// </summary>
    public TimeSpan ChannelTypingDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long counters moved by a stored message may wait before the grain state is written (mode changes
    /// are written at once, pending counters when the activation ends; after a crash they are recomputed from
    /// the message table, so writing them sooner buys nothing but a state write per exchange).
    /// </summary>
    public TimeSpan StateFlushDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the dialog reuses its assistant's settings before asking the assistant grain again.</summary>
    public TimeSpan AssistantCacheTime { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// At most one last-message preview per dialog per interval on the account's feed (the trailing one, so the
    /// list always ends on the newest message); the dialog's own stream carries every message at once.
    /// </summary>
    public TimeSpan AccountFeedInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the recovery sweep looks for dialogs left unanswered, undelivered or refused.</summary>
    public TimeSpan RecoveryPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How old a flag must be before the sweep wakes its dialog (younger ones are being handled).</summary>
    public TimeSpan RecoveryAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often, and how many times, a dialog retries handing a message to a channel that failed to take it.</summary>
    public TimeSpan DeliveryRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public int DeliveryRetries { get; set; } = 12;
}
