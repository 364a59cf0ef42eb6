using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prometheus;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

/// <summary>
/// One conversation on one channel: stores messages before acknowledging them, answers the customer's with
/// the AI strictly in order (one call at a time, outside any request), hands over to operators, and delivers
/// through its channel's port, which never calls back. Prompt, handoff rules, texts and events are plain
/// classes; what needs the grain (order, state, timers) is here.
/// </summary>
[GrainType("dialog")]
public sealed partial class DialogGrain(
    [PersistentState("dialog")] IPersistentState<DialogState> state,
    IDialogStore store,
    AiRouter router,
    DialogChannels channels,
    IOptions<DialogOptions> options,
    TimeProvider time,
    ILogger<DialogGrain> logger) : Grain, IDialogGrain
{
    private static readonly Counter Messages = Metrics.CreateCounter("replyx_dialog_messages_total", "Dialog messages stored, by author.", "author");
    private static readonly Counter DroppedAnswers = Metrics.CreateCounter("replyx_dialog_dropped_ai_answers_total", "AI answers dropped because an operator took the dialog meanwhile.");
    private static readonly Counter Handoffs = Metrics.CreateCounter("replyx_dialog_handoffs_total", "Dialogs handed to operators, by reason.", "reason");

    private readonly DialogOptions _options = options.Value;
    private readonly RecentMessages _recent = new(options.Value.RecentWindow);
    private StateWriteGate? _gate;
    private DialogEvents? _events;
    private bool _busy;
    private bool _dirty;
    private IGrainTimer? _retry;
    private IGrainTimer? _flush;
    private IGrainTimer? _preview;
    private CancellationTokenSource? _answering;
    private AiAnswerer? _answerer;
    private (Assistant? Value, DateTimeOffset At)? _assistant;
    private IAssistantGrain? _assistantGrain;

    private Guid Id => this.GetPrimaryKey();
    private DialogState S => state.State;
    private StateWriteGate Gate => _gate ??= new StateWriteGate(() => { _dirty = false; return state.WriteStateAsync(); });
    private DialogEvents Events => _events ??= new DialogEvents(this.GetStreamProvider(StreamNames.Provider), Id, S.Start!.AccountId, logger) { Seq = S.EventSeq };
    private IDialogChannel? Channel => S.Start is { } start && !S.Unreachable ? channels.For(start) : null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Start is null)
        {
            return;
        }
        // The table is the truth: messages stored after the last state write come back from it.
        foreach (var message in await store.Latest(Id, _options.RecentWindow, cancellationToken))
        {
            _recent.Add(message);
        }
        S.LastSeq = Math.Max(S.LastSeq, _recent.Items.Count > 0 ? _recent.Items[^1].Seq : 0);
        // Events published after the last state write must not be numbered again: start well above them.
        S.EventSeq += 10_000;
        if (_recent.LastReply() is { } lastReply)
        {
            S.LastProcessedSeq = Math.Max(S.LastProcessedSeq, lastReply.Seq); // answers go out in order
        }
        if (S.Mode != DialogMode.Ai)
        {
            S.LastProcessedSeq = S.LastSeq; // operators answer what came while they had the dialog
        }
        else if (_recent.Items.Count > 0)
        {
            (S.AiTurns, S.OfferedHuman) = HandoffPolicy.Rebuild(_recent.Items, (await Assistant())?.Settings);
        }
        StartProcessing();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flush?.Dispose();
        if (_dirty)
        {
            await WriteState();
        }
    }

    public async Task<DialogSnapshot> Open(DialogStart start)
    {
        if (S.Start is { } existing)
        {
            return existing.AccountId == start.AccountId ? Snapshot() : throw new InvalidOperationException("This dialog belongs to another account.");
        }
        S.Start = start;
        S.Mode = DialogMode.Ai;
        S.CreatedAt = DialogNames.Micro(time.GetUtcNow());
        await SaveDialog();
        await WriteState();
        await Events.Opened(S.Mode);
        return Snapshot();
    }

    public async Task<PostResult> PostUserMessage(string text, string? externalId)
    {
        var (message, duplicate) = await StoreCustomerMessage(text, externalId, autoReplied: false);
        if (duplicate is not null)
        {
            return duplicate;
        }
        if (S.Mode == DialogMode.Closed)
        {
            await SetMode(DialogMode.Ai, null); // writing again reopens the dialog
        }
        if (S.Mode != DialogMode.Ai)
        {
            S.LastProcessedSeq = message.Seq; // an operator answers it
        }
        else if (await Assistant() is { } assistant && HandoffPolicy.MatchesKeyword(message.Text, assistant.Settings.Handoff.Keywords))
        {
            S.LastProcessedSeq = message.Seq;
            await Handoff("keyword");
        }
        StartProcessing();
        return new PostResult(message.Seq, false);
    }

    public async Task<PostResult> PostAutoReplied(string text, string? reply, string? externalId)
    {
        var (message, duplicate) = await StoreCustomerMessage(text, externalId, autoReplied: true);
        if (duplicate is not null)
        {
            return duplicate;
        }
        if (reply is not null)
        {
            await Append(MessageAuthor.Assistant, reply);
        }
        return new PostResult(message.Seq, false);
    }

    public async Task<DialogSnapshot?> Takeover(Guid accountId, Guid operatorId)
    {
        if (!Owns(accountId))
        {
            return null;
        }
        if (_busy)
        {
            LogTakeoverDuringAi(Id, operatorId);
        }
        await SetMode(DialogMode.Operator, operatorId);
        return Snapshot();
    }

    public async Task<DialogSnapshot?> Release(Guid accountId, Guid operatorId)
    {
        if (!Owns(accountId))
        {
            return null;
        }
        if (S.Mode is DialogMode.Operator or DialogMode.Waiting)
        {
            await SetMode(DialogMode.Ai, null);
        }
        return Snapshot();
    }

    public async Task<PostResult?> PostOperatorMessage(Guid accountId, Guid operatorId, string text, string? externalId)
    {
        if (!Owns(accountId))
        {
            return null;
        }
        // Operators' retries are rare and may come late: the store is asked too, before anything changes.
        if (externalId is not null && (_recent.ByExternalId(externalId) ?? await store.FindByExternalId(Id, externalId)) is { } duplicate)
        {
            return new PostResult(duplicate.Seq, true);
        }
        if (S.Mode != DialogMode.Operator || S.OperatorId != operatorId)
        {
            await SetMode(DialogMode.Operator, operatorId); // writing into a dialog is taking it over
        }
        var message = await Append(MessageAuthor.Operator, text, operatorId: operatorId, externalId: externalId);
        return new PostResult(message.Seq, false);
    }

    public async Task<DialogSnapshot?> Close(Guid accountId)
    {
        if (!Owns(accountId))
        {
            return null;
        }
        await SetMode(DialogMode.Closed, null);
        return Snapshot();
    }

    public Task<DialogSnapshot?> Get(Guid accountId) => Task.FromResult(Owns(accountId) ? Snapshot() : null);

    public async Task Resume()
    {
        if (S.Start is null)
        {
            return;
        }
        StartProcessing();
        if (!_busy && _recent.FirstUnanswered(S.LastProcessedSeq) is null)
        {
            await store.ClearAwaitingAnswer(Id, S.LastSeq); // nothing left for the AI: stale flags go
        }
        foreach (var flagged in await store.FlaggedDeliveries(Id))
        {
            if (flagged.Refusal is { } refusal)
            {
                await ChannelRefused(refusal);
                await store.ClearDelivery(Id, flagged.Seq);
            }
            else if (Channel is { } channel)
            {
                await Deliver(channel, new DialogMessage(flagged.Seq, time.GetUtcNow(), MessageAuthor.Assistant, flagged.Text, null, false, null));
            }
        }
    }

    /// <summary>The channel refused a message for good: recorded for operators; a blocked customer gets nothing more until they write.</summary>
    private async Task ChannelRefused(string refusal)
    {
        var blocked = refusal == DeliveryRefusals.Blocked;
        if (blocked && S.Unreachable)
        {
            return;
        }
        S.Unreachable |= blocked;
        LogUnreachable(Id, refusal);
        await Append(MessageAuthor.System, ReplyTexts.CustomerUnreachable((await Assistant())?.Settings, refusal), deliver: false);
        await WriteState();
    }

    private bool Owns(Guid accountId) => S.Start?.AccountId == accountId;

    private DialogSnapshot Snapshot()
    {
        var start = S.Start!;
        var pending = S.Mode == DialogMode.Ai ? _recent.CountUnanswered(S.LastProcessedSeq) : 0;
        return new DialogSnapshot(Id, start.AccountId, start.AssistantId, start.Channel, S.Mode, S.OperatorId, _recent.Items.ToArray(), _busy, S.LastSeq, pending);
    }

    /// <summary>Any change of hands: written at once, published, and the AI's call in flight (if any) is cancelled.</summary>
    private async Task SetMode(DialogMode mode, Guid? operatorId)
    {
        S.Mode = mode;
        S.OperatorId = operatorId;
        S.AiTurns = 0;
        if (mode != DialogMode.Ai)
        {
            _answering?.Cancel();
            S.OfferedHuman = false;
        }
        // Whatever came before is dealt with: by the operator, or it was discussed before the hand-back.
        S.LastProcessedSeq = S.LastSeq;
        await store.ClearAwaitingAnswer(Id, S.LastSeq);
        await SaveDialog();
        await WriteState();
        await Events.Status(mode, operatorId);
    }

    private async Task Handoff(string reason)
    {
        Handoffs.WithLabels(reason).Inc();
        await Append(MessageAuthor.System, ReplyTexts.ConnectingOperator((await Assistant())?.Settings));
        await SetMode(DialogMode.Waiting, null);
        LogHandoff(Id, reason);
    }

    /// <summary>
    /// Stores a customer's message, or answers a redelivery: found in the recent window, or refused by the
    /// store's unique external id (older than the window, or a retry that raced this one).
    /// </summary>
    private async Task<(DialogMessage Message, PostResult? Duplicate)> StoreCustomerMessage(string text, string? externalId, bool autoReplied)
    {
        _ = S.Start ?? throw new InvalidOperationException($"Dialog {Id} has not been opened.");
        if (_recent.ByExternalId(externalId) is { } recent)
        {
            return (recent, new PostResult(recent.Seq, true));
        }
        var clean = text.Contains('\0') ? text.Replace("\0", "", StringComparison.Ordinal) : text; // PostgreSQL refuses U+0000
        var message = new DialogMessage(S.LastSeq + 1, DialogNames.Micro(time.GetUtcNow()), MessageAuthor.User, clean, externalId, false, null);
        if (!await store.Append(Id, message, new AppendFlags(AwaitingAnswer: !autoReplied && S.Mode is DialogMode.Ai or DialogMode.Closed)))
        {
            var first = externalId is null ? null : await store.FindByExternalId(Id, externalId);
            return (message, first is not null ? new PostResult(first.Seq, true) : throw new InvalidOperationException($"Message {message.Seq} of dialog {Id} is already stored."));
        }
        Stored(message);
        S.Unreachable = false; // writing again means the customer can be answered again
        if (autoReplied)
        {
            if (S.LastProcessedSeq == message.Seq - 1)
            {
                S.LastProcessedSeq = message.Seq; // answered by the fixed reply, not by the AI
            }
            else
            {
                _recent.AutoReplied(message.Seq);
            }
        }
        await Published(message);
        return (message, null);
    }

    /// <summary>Stores an outgoing (or system) message and hands it to the channel.</summary>
    private async Task<DialogMessage> Append(MessageAuthor author, string text, bool offline = false, Guid? operatorId = null,
        string? externalId = null, long? answers = null, bool deliver = true)
    {
        var message = new DialogMessage(S.LastSeq + 1, DialogNames.Micro(time.GetUtcNow()), author, text, externalId, offline, operatorId);
        var channel = deliver ? Channel : null;
        // Stored awaiting delivery: if the channel's queue is lost with its silo, the message is found again.
        if (!await store.Append(Id, message, new AppendFlags(AwaitingDelivery: channel is not null, AnswersUpTo: answers)))
        {
            throw new InvalidOperationException($"Message {message.Seq} of dialog {Id} is already stored.");
        }
        Stored(message);
        MarkDirty(); // counters are written within StateFlushDelay; activation recomputes them after a crash
        await Published(message);
        if (channel is not null)
        {
            await Deliver(channel, message);
        }
        return message;
    }

    private void Stored(DialogMessage message)
    {
        Messages.WithLabels(DialogNames.Author(message.Author)).Inc();
        S.LastSeq = message.Seq;
        _recent.Add(message);
    }

    private async Task Published(DialogMessage message)
    {
        await Events.Message(message);
        S.EventSeq = Events.Seq;
        // The account's lists get the newest message once the interval is over, not every message.
        _preview ??= this.RegisterGrainTimer(async _ =>
        {
            _preview?.Dispose();
            _preview = null;
            if (_recent.Items.Count > 0)
            {
                await Events.Preview(_recent.Items[^1], S.Mode);
            }
        }, new GrainTimerCreationOptions(_options.AccountFeedInterval, Timeout.InfiniteTimeSpan) { Interleave = true });
    }

    /// <summary>Hands a stored message to the channel; a failed hand-over is retried from here for a while, then left to the recovery sweep.</summary>
    private async Task Deliver(IDialogChannel channel, DialogMessage message, int attempt = 0)
    {
        try
        {
            await channel.Deliver(S.Start!, Id, message); // the channel ignores a message it already has
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogChannelCallFailed(Id, "deliver", attempt, Errors.Describe(ex));
            if (attempt < _options.DeliveryRetries)
            {
                IGrainTimer? timer = null;
                timer = this.RegisterGrainTimer(async _ =>
                {
                    timer?.Dispose();
                    await Deliver(channel, message, attempt + 1);
                }, new GrainTimerCreationOptions(_options.DeliveryRetryDelay, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
            }
        }
    }

    /// <summary>Starts the answering loop unless it runs. It runs outside any request, so operators are never blocked by it.</summary>
    private void StartProcessing()
    {
        if (!_busy && S.Mode == DialogMode.Ai && S.LastProcessedSeq < S.LastSeq)
        {
            _busy = true;
            _ = ProcessLoop();
        }
    }

    private async Task ProcessLoop()
    {
        var retrying = false;
        try
        {
            retrying = await AnswerPending();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogLoopFailed(ex, Id);
            ScheduleRetry(TimeSpan.FromSeconds(5));
            retrying = true;
        }
        finally
        {
            _busy = false;
        }
        // A message may have been stored while the loop was deciding to stop: look once more before going idle.
        if (!retrying)
        {
            StartProcessing();
        }
    }

    /// <summary>Answers unanswered customer messages in order; true when it stopped to retry later.</summary>
    private async Task<bool> AnswerPending()
    {
        while (S.Mode == DialogMode.Ai && await NextPending() is { } question)
        {
            DelayDeactivation(TimeSpan.FromMinutes(2));
            var assistant = await Assistant();
            using var cancel = _answering = new CancellationTokenSource();
            AnswerOutcome outcome;
            using (SlowAnswerHints())
            {
                var lastPartial = DateTimeOffset.MinValue;
                outcome = await (_answerer ??= new AiAnswerer(router, _options, time)).Ask(S.Start!.AccountId, assistant, _recent.Items, question.Seq,
                    !_options.StreamPartials ? null : async partial =>
                    {
                        if (time.GetUtcNow() - lastPartial >= _options.TypingInterval && S.Mode == DialogMode.Ai)
                        {
                            lastPartial = time.GetUtcNow();
                            await Events.Typing(partial);
                        }
                    }, cancel.Token);
            }
            _answering = null;
            if (outcome.Kind == AnswerKind.Retry)
            {
                LogWaitingForAi(Id, outcome.RetryAt, outcome.Reason ?? "");
                ScheduleRetry(outcome.RetryAt - time.GetUtcNow());
                return true;
            }
            if (outcome.Kind == AnswerKind.Cancelled || S.Mode != DialogMode.Ai || question.Seq <= S.LastProcessedSeq)
            {
                // An operator took the dialog (or it was closed) while the answer was being generated.
                DroppedAnswers.Inc();
                LogDropped(Id, question.Seq, S.Mode);
                continue;
            }
            await Answer(question.Seq, assistant, outcome);
        }
        return false;
    }

    /// <summary>Stores the answer (or the offline fallback) and hands the dialog over when it must.</summary>
    private async Task Answer(long questionSeq, Assistant? assistant, AnswerOutcome outcome)
    {
        if (outcome.Kind == AnswerKind.Offline)
        {
            await Append(MessageAuthor.Assistant, ReplyTexts.Offline(assistant?.Settings), offline: true, answers: questionSeq);
            S.LastProcessedSeq = questionSeq;
            await Handoff("no AI answer");
            return;
        }
        var decision = HandoffPolicy.Decide(outcome.Answer!.Text, assistant!.Settings, S.AiTurns + 1, S.OfferedHuman);
        if (decision.Text.Length > 0)
        {
            await Append(MessageAuthor.Assistant, decision.Text, answers: questionSeq);
        }
        S.LastProcessedSeq = questionSeq; // after the answer is stored: a failed append leaves the question to retry
        S.AiTurns++;
        S.OfferedHuman |= decision.OffersHuman;
        MarkDirty();
        if (decision.WantsHuman)
        {
            await Handoff("model");
        }
    }

    /// <summary>"Typing…" in the messenger and on the dialog's stream once an answer takes longer than <see cref="DialogOptions.ChannelTypingDelay"/>.</summary>
    private IGrainTimer SlowAnswerHints() => this.RegisterGrainTimer(async _ =>
    {
        await Events.Typing();
        if (Channel is { } channel)
        {
            try
            {
                await channel.Typing(S.Start!);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogChannelCallFailed(Id, "typing", 0, Errors.Describe(ex)); // a lost hint; the answer still goes out
            }
        }
    }, new GrainTimerCreationOptions(_options.ChannelTypingDelay, TimeSpan.FromSeconds(4.5)) { Interleave = true });

    private void ScheduleRetry(TimeSpan after)
    {
        _retry?.Dispose();
        _retry = this.RegisterGrainTimer(_ =>
        {
            _retry?.Dispose();
            _retry = null;
            StartProcessing();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(after > TimeSpan.Zero ? after : TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task<DialogMessage?> NextPending()
    {
        if (S.LastProcessedSeq >= S.LastSeq)
        {
            return null;
        }
        if (_recent.CoversAfter(S.LastProcessedSeq))
        {
            // Decided without awaiting, so a message stored concurrently cannot be skipped.
            var inWindow = _recent.FirstUnanswered(S.LastProcessedSeq);
            if (inWindow is null)
            {
                S.LastProcessedSeq = S.LastSeq;
            }
            return inWindow;
        }
        // The oldest unanswered message fell out of the window: read it from the table. Requests may store
        // newer messages meanwhile, so only what was known before the read can be marked as handled.
        var known = S.LastSeq;
        var stored = await store.Messages(Id, S.LastProcessedSeq, 200);
        var next = stored.FirstOrDefault(m => m.Seq <= known && _recent.IsUnanswered(m, S.LastProcessedSeq));
        if (next is null)
        {
            S.LastProcessedSeq = Math.Max(S.LastProcessedSeq, stored.Count > 0 ? Math.Min(known, stored[^1].Seq) : known);
        }
        return next;
    }

    private Task SaveDialog()
    {
        var start = S.Start!;
        return store.SaveDialog(new DialogRecord(Id, start.AccountId, start.AssistantId, start.Channel, start.ExternalChat, S.Mode, S.OperatorId,
            S.CreatedAt, DialogNames.Micro(time.GetUtcNow()), start.ChannelId));
    }

    private Task WriteState() => Gate.Write();

    private void MarkDirty()
    {
        _dirty = true;
        _flush ??= this.RegisterGrainTimer(async _ =>
        {
            _flush?.Dispose();
            _flush = null;
            if (_dirty)
            {
                await WriteState();
            }
        }, new GrainTimerCreationOptions(_options.StateFlushDelay, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    /// <summary>The assistant's settings, reused for a moment: one message asks for them up to three times.</summary>
    private async Task<Assistant?> Assistant()
    {
        var now = time.GetUtcNow();
        if (_assistant is { } cached && now - cached.At < _options.AssistantCacheTime)
        {
            return cached.Value;
        }
        var start = S.Start!;
        _assistantGrain ??= GrainFactory.GetGrain<IAssistantGrain>(start.AssistantId);
        var value = await _assistantGrain.Get(start.AccountId);
        _assistant = (value, now);
        return value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId}: AI answer to message {Seq} dropped, the dialog is now {Mode}")]
    private partial void LogDropped(Guid dialogId, long seq, DialogMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId} taken over by {OperatorId} while an AI answer is being generated")]
    private partial void LogTakeoverDuringAi(Guid dialogId, Guid operatorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId} handed to operators ({Reason})")]
    private partial void LogHandoff(Guid dialogId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId} waits for a free AI key until {RetryAt}: {Reason}")]
    private partial void LogWaitingForAi(Guid dialogId, DateTimeOffset retryAt, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId}: the channel refused a message ({Refusal})")]
    private partial void LogUnreachable(Guid dialogId, string refusal);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId}: {Call} to the channel failed (attempt {Attempt}): {Error}")]
    private partial void LogChannelCallFailed(Guid dialogId, string call, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dialog {DialogId}: answering failed; retrying")]
    private partial void LogLoopFailed(Exception exception, Guid dialogId);
}
