using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Prometheus;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

/// <summary>
/// A dialog's live notifications (ARCHITECTURE.md, Streams): every message, slow-answer typing and status on
/// the dialog's own stream while a live view watches it (streams of different dialogs spread over the
/// provider's queues), and on the account's feed only dialog-level changes: opened, status, assignment and a
/// coalesced last-message preview (the first one of a new dialog is its "opened" event).
/// Events notify, the store is the truth: a full queue drops the event (counted, logged at most once per
/// interval) and never fails the message that was stored.
/// </summary>
/// <param name="once">A one-shot timer on the dialog's scheduler (the account preview's interval).</param>
/// <param name="newest">The dialog's newest message and mode when a preview goes out.</param>
public sealed partial class DialogEvents(IStreamProvider provider, Guid dialogId, Guid accountId, TimeProvider time, ILogger logger,
    Func<Func<Task>, TimeSpan, IDisposable> once, Func<(DialogMessage Message, DialogMode Mode)> newest, TimeSpan previewInterval)
{
    private static readonly Counter Dropped = Metrics.CreateCounter("replyx_dialog_events_dropped_total",
        "Dialog events not published because the stream queue refused them (listeners catch up from the store).");
    private static readonly DroppedEventLog DropLog = new(TimeSpan.FromSeconds(10));

    private IAsyncStream<DialogEvent>? _dialog;
    private IAsyncStream<DialogEvent>? _account;

    private DateTimeOffset _watchedUntil = DateTimeOffset.MinValue;
    private bool _announced;
    private IDisposable? _preview;

    /// <summary>The per-stream sequence numbers continue from here (kept in grain state).</summary>
    public long Seq { get; set; }

    /// <summary>A live view follows the dialog: its stream is published for the next lease.</summary>
    public void Watch() => _watchedUntil = time.GetUtcNow() + DialogWatch.Lease;

    private bool Watched => time.GetUtcNow() < _watchedUntil;

    /// <summary>A dialog created now: its first preview on the account feed says so.</summary>
    public void New() => _announced = false;

    /// <summary>A dialog that existed before this activation.</summary>
    public void Existing() => _announced = true;

    /// <summary>
    /// A stored message: on the dialog's stream now; the account's lists get the newest message once the preview
    /// interval is over, not every message.
    /// </summary>
    public async Task Message(DialogMessage message)
    {
        await Dialog(DialogEventKinds.Message, message: message);
        _preview ??= once(async () =>
        {
            _preview?.Dispose();
            _preview = null;
            var (newestMessage, mode) = newest();
            await Preview(newestMessage, mode);
        }, previewInterval);
    }

    public Task Typing(string? partial = null) => Dialog(DialogEventKinds.Typing, partial: partial);

    public async Task Status(DialogMode mode, Guid? operatorId = null)
    {
        var kind = operatorId is null ? DialogEventKinds.Status : DialogEventKinds.Assigned;
        await Dialog(kind, mode: mode, operatorId: operatorId);
        await Account(new DialogEvent(Seq, dialogId, accountId, kind, null, mode, null, operatorId));
    }

    /// <summary>The newest message as the account's lists show it; a new dialog's first one is its "opened" event.</summary>
    private Task Preview(DialogMessage message, DialogMode mode)
    {
        var kind = _announced ? DialogEventKinds.Preview : DialogEventKinds.Opened;
        _announced = true;
        return Account(new DialogEvent(++Seq, dialogId, accountId, kind, message, mode, null, null));
    }

    private Task Dialog(string kind, DialogMessage? message = null, DialogMode? mode = null, string? partial = null, Guid? operatorId = null) =>
        !Watched ? Task.CompletedTask : Notify(_dialog ??= provider.GetStream<DialogEvent>(StreamId.Create(StreamNames.Dialog, dialogId)),
            new DialogEvent(++Seq, dialogId, accountId, kind, message, mode, partial, operatorId));

    private Task Account(DialogEvent evt) => Notify(_account ??= provider.GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, accountId)), evt);

    private async Task Notify(IAsyncStream<DialogEvent> stream, DialogEvent evt)
    {
        try
        {
            await stream.OnNextAsync(evt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            Dropped.Inc();
            if (DropLog.ShouldLog(out var since))
            {
                LogDropped(since, evt.Kind, Errors.Describe(ex));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} dialog events not published in the last interval (last: {Kind}): {Error}")]
    private partial void LogDropped(long count, string kind, string error);
}

/// <summary>Counts drops and lets one log line through per interval (overflow comes in floods).</summary>
public sealed class DroppedEventLog(TimeSpan interval, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private long _count;
    private DateTimeOffset _last = DateTimeOffset.MinValue;

    /// <summary>True at most once per interval, with the drops counted since the last line.</summary>
    public bool ShouldLog(out long countSinceLast)
    {
        lock (_gate)
        {
            _count++;
            var now = _time.GetUtcNow();
            if (_last != DateTimeOffset.MinValue && now - _last < interval)
            {
                countSinceLast = 0;
                return false;
            }
            _last = now;
            countSinceLast = _count;
            _count = 0;
            return true;
        }
    }
}
