using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Prometheus;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

public sealed class DialogOptions
{
    public const string Section = "Dialogs";

    /// <summary>Messages kept in grain state; the full history is in <c>dialog_messages</c>.</summary>
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
    /// How long an answer may take before the messenger shows "typing…" (one Bot API call per 4.5 s while the
    /// model works): an answer that comes sooner needs no hint, and the call would cost as much as the reply.
    /// </summary>
    public TimeSpan ChannelTypingDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long counters moved by a stored message may wait before the grain state is written (mode changes
    /// are written at once; after a crash the counters are recomputed from the message table).
    /// </summary>
    public TimeSpan StateFlushDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the dialog reuses its assistant's settings before asking the assistant grain again.</summary>
    public TimeSpan AssistantCacheTime { get; set; } = TimeSpan.FromSeconds(2);
}

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

[GrainType("dialog")]
public sealed partial class DialogGrain(
    [PersistentState("dialog")] IPersistentState<DialogState> state,
    IDialogStore store,
    AiRouter router,
    IOptions<DialogOptions> options,
    TimeProvider time,
    ILogger<DialogGrain> logger) : Grain, IDialogGrain
{
    public const string HandoffMarker = "[HANDOFF]";

    private static readonly Counter Messages = Metrics.CreateCounter("replyx_dialog_messages_total", "Dialog messages stored, by author.", "author");
    private static readonly Counter DroppedAnswers = Metrics.CreateCounter("replyx_dialog_dropped_ai_answers_total", "AI answers dropped because an operator took the dialog meanwhile.");
    private static readonly Counter DroppedEvents = Metrics.CreateCounter("replyx_dialog_events_dropped_total", "Dialog events not published because the stream queue refused them (listeners catch up from the store).");
    private static readonly Counter Handoffs = Metrics.CreateCounter("replyx_dialog_handoffs_total", "Dialogs handed to operators, by reason.", "reason");

    private readonly DialogOptions _options = options.Value;

    // The recent window is rebuilt from dialog_messages on activation rather than persisted: the table is the
    // truth, and the grain state stays a few small fields, cheap to write once per answer.
    private readonly List<DialogMessage> _recent = [];

    // User messages already answered by a fixed reply (PostAutoReplied) while the AI had others pending.
    private readonly HashSet<long> _autoReplied = [];
    private bool _busy;
    private IGrainTimer? _retry;
    private DateTimeOffset? _unavailableSince;
    private (Assistant? Value, DateTimeOffset At)? _assistant;
    // Grain-state writes are serialized: the answering loop and requests interleave at awaits, and two
    // overlapping writes of one activation would collide on the storage etag.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private bool _dirty;
    private IGrainTimer? _flush;
    private IAssistantGrain? _assistantGrain;
    private Bots.IBotGrain? _bot;

    private Guid Id => this.GetPrimaryKey();
    private DialogState S => state.State;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.Start is null)
        {
            return;
        }
        // The table is the truth: messages stored after the last state write (user messages are not written
        // to grain state at all) come back from it.
        foreach (var message in await store.Latest(Id, _options.RecentWindow, cancellationToken))
        {
            AddRecent(message);
        }
        S.LastSeq = _recent.Count > 0 ? Math.Max(S.LastSeq, _recent[^1].Seq) : S.LastSeq;
        // Events published after the last state write (lost with a crash) must not be numbered again:
        // event numbers only need to grow, so a new activation starts well above anything written since.
        S.EventSeq += 10_000;
        // Answers go out in order, so everything before the latest reply was handled, even if the state write
        // that recorded it was lost.
        if (_recent.LastOrDefault(m => m.Author != MessageAuthor.User) is { } lastReply)
        {
            S.LastProcessedSeq = Math.Max(S.LastProcessedSeq, lastReply.Seq);
        }
        if (S.Mode != DialogMode.Ai)
        {
            S.LastProcessedSeq = S.LastSeq; // operators answer what came while they had the dialog
        }
        if (S.Mode == DialogMode.Ai && S.LastProcessedSeq < S.LastSeq)
        {
            StartProcessing();
        }
    }

    public async Task<DialogSnapshot> Open(DialogStart start)
    {
        if (S.Start is { } existing)
        {
            return existing.AccountId == start.AccountId
                ? Snapshot()
                : throw new InvalidOperationException("This dialog belongs to another account.");
        }
        S.Start = start;
        S.Mode = DialogMode.Ai;
        S.CreatedAt = DialogNames.Micro(time.GetUtcNow());
        await SaveDialog();
        await WriteState();
        return Snapshot();
    }

    public async Task<PostResult> PostUserMessage(string text, string? externalId)
    {
        var start = RequireOpen();
        var (message, duplicate) = await StoreUserMessage(text, externalId);
        if (duplicate is not null)
        {
            return duplicate;
        }
        text = message.Text;
        if (S.Mode == DialogMode.Closed)
        {
            S.Mode = DialogMode.Ai;
            S.OperatorId = null;
            S.AiTurns = 0;
            S.OfferedHuman = false;
            await SaveDialog();
            await WriteState();
            await Publish(DialogEventKinds.Status, mode: S.Mode);
        }

        // Not written to grain state here: the stored message is the acknowledgement, and activation reads it back.
        string? handoffReason = null;
        if (S.Mode != DialogMode.Ai)
        {
            S.LastProcessedSeq = message.Seq; // an operator answers it
        }
        else if (await Assistant(start) is { } assistant && MatchesHandoffKeyword(text, assistant.Settings.Handoff.Keywords))
        {
            S.LastProcessedSeq = message.Seq;
            handoffReason = "keyword";
        }
        await Publish(DialogEventKinds.Message, message);

        if (handoffReason is not null)
        {
            await Handoff(handoffReason);
        }
        else if (S.Mode == DialogMode.Ai)
        {
            StartProcessing();
        }
        return new PostResult(message.Seq, false);
    }

    public async Task<PostResult> PostAutoReplied(string text, string? reply, string? externalId)
    {
        RequireOpen();
        var (message, duplicate) = await StoreUserMessage(text, externalId);
        if (duplicate is not null)
        {
            return duplicate;
        }
        if (S.Mode == DialogMode.Ai && S.LastProcessedSeq == message.Seq - 1)
        {
            S.LastProcessedSeq = message.Seq; // answered by the fixed reply, not by the AI
        }
        else
        {
            _autoReplied.Add(message.Seq);
        }
        await Publish(DialogEventKinds.Message, message);
        if (reply is not null)
        {
            await Append(MessageAuthor.Assistant, reply, offline: false);
        }
        return new PostResult(message.Seq, false);
    }

    public async Task<DialogSnapshot> Takeover(Guid operatorId)
    {
        RequireOpen();
        if (_busy)
        {
            LogTakeoverDuringAi(Id, operatorId);
        }
        S.Mode = DialogMode.Operator;
        S.OperatorId = operatorId;
        S.LastProcessedSeq = S.LastSeq;
        S.AiTurns = 0;
        S.OfferedHuman = false;
        await SaveDialog();
        await WriteState();
        await Publish(DialogEventKinds.Assigned, mode: S.Mode, operatorId: operatorId);
        return Snapshot();
    }

    public async Task<DialogSnapshot> Release(Guid operatorId)
    {
        RequireOpen();
        if (S.Mode is DialogMode.Operator or DialogMode.Waiting)
        {
            S.Mode = DialogMode.Ai;
            S.OperatorId = null;
            S.LastProcessedSeq = S.LastSeq; // the operator has dealt with what came before
            S.AiTurns = 0;
            await SaveDialog();
            await WriteState();
            await Publish(DialogEventKinds.Status, mode: S.Mode);
        }
        return Snapshot();
    }

    public async Task<PostResult> PostOperatorMessage(Guid operatorId, string text, string? externalId)
    {
        RequireOpen();
        // Operators' retries are rare and may come late: the store is asked too, before anything changes.
        if (externalId is not null && (RecentDuplicate(externalId) ?? await store.FindByExternalId(Id, externalId)) is { } duplicate)
        {
            return new PostResult(duplicate.Seq, true);
        }
        if (S.Mode != DialogMode.Operator || S.OperatorId != operatorId)
        {
            // Writing into a dialog is taking it over.
            await Takeover(operatorId);
        }
        var message = await Append(MessageAuthor.Operator, text, offline: false, operatorId, externalId);
        return new PostResult(message.Seq, false);
    }

    public async Task<DialogSnapshot> Close()
    {
        RequireOpen();
        S.Mode = DialogMode.Closed;
        S.OperatorId = null;
        S.LastProcessedSeq = S.LastSeq;
        await SaveDialog();
        await WriteState();
        await Publish(DialogEventKinds.Status, mode: S.Mode);
        return Snapshot();
    }

    public Task<DialogSnapshot?> Get() => Task.FromResult(S.Start is null ? null : Snapshot());

    public async Task MarkUnreachable(string reason)
    {
        if (S.Start is null || S.Unreachable)
        {
            return;
        }
        S.Unreachable = true;
        LogUnreachable(Id, reason);
        // Recorded in the history (not sent: it cannot be), so operators see why the customer hears nothing.
        await Append(MessageAuthor.System, reason, offline: false);
        await WriteState();
    }

    private DialogSnapshot Snapshot()
    {
        var start = S.Start!;
        var pending = S.Mode == DialogMode.Ai ? _recent.Count(IsUnanswered) : 0;
        return new DialogSnapshot(Id, start.AccountId, start.AssistantId, start.Channel, S.Mode, S.OperatorId, _recent.ToArray(), _busy, S.LastSeq, pending);
    }

    private async Task WriteState()
    {
        await _writeGate.WaitAsync();
        try
        {
            _dirty = false;
            await state.WriteStateAsync();
        }
        finally
        {
            _writeGate.Release();
        }
    }

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

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _flush?.Dispose();
        if (_dirty)
        {
            await WriteState();
        }
    }

    /// <summary>PostgreSQL text cannot hold U+0000; a message carrying one would be refused on every retry.</summary>
    private static string StorableText(string text) => text.Contains('\0') ? text.Replace("\0", "", StringComparison.Ordinal) : text;

    private bool IsUnanswered(DialogMessage m) => m.Author == MessageAuthor.User && m.Seq > S.LastProcessedSeq;

    private DialogStart RequireOpen() => S.Start ?? throw new InvalidOperationException($"Dialog {Id} has not been opened.");

    /// <summary>
    /// A redelivered message is nearly always in the recent window; older ones are refused by the store's
    /// unique external id on append, so no query is spent on the common case.
    /// </summary>
    private DialogMessage? RecentDuplicate(string? externalId)
    {
        if (externalId is null)
        {
            return null;
        }
        foreach (var m in _recent)
        {
            if (m.ExternalId == externalId)
            {
                return m;
            }
        }
        return null;
    }

    /// <summary>
    /// Stores a customer's message, or returns the answer for a redelivery: found in the recent window, or
    /// refused by the store's unique external id (older than the window, or a retry that raced this one).
    /// </summary>
    private async Task<(DialogMessage Message, PostResult? Duplicate)> StoreUserMessage(string text, string? externalId)
    {
        if (RecentDuplicate(externalId) is { } recent)
        {
            return (recent, new PostResult(recent.Seq, true));
        }
        var message = new DialogMessage(S.LastSeq + 1, DialogNames.Micro(time.GetUtcNow()), MessageAuthor.User, StorableText(text), externalId, false, null);
        if (!await store.Append(Id, message))
        {
            return (message, await StoredDuplicate(message));
        }
        Messages.WithLabels("user").Inc();
        S.LastSeq = message.Seq;
        AddRecent(message);
        S.Unreachable = false; // writing again means the customer can be answered again
        return (message, null);
    }

    private async Task<PostResult> StoredDuplicate(DialogMessage refused)
    {
        var first = refused.ExternalId is null ? null : await store.FindByExternalId(Id, refused.ExternalId);
        return first is not null
            ? new PostResult(first.Seq, true)
            : throw new InvalidOperationException($"Message {refused.Seq} of dialog {Id} is already stored.");
    }

    /// <summary>Starts the answering loop unless it runs. It runs outside any request, so operators are never blocked by it.</summary>
    private void StartProcessing()
    {
        if (_busy || S.Mode != DialogMode.Ai)
        {
            return;
        }
        _busy = true;
        _ = ProcessLoop();
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
        // A message may have been stored while the loop was deciding to stop (requests interleave with it at
        // every await): look once more, synchronously, before going idle.
        if (!retrying && S.Mode == DialogMode.Ai && _recent.Any(IsUnanswered))
        {
            StartProcessing();
        }
    }

    /// <summary>Answers unanswered user messages in order; true when it stopped to retry later.</summary>
    private async Task<bool> AnswerPending()
    {
        while (S.Mode == DialogMode.Ai && await NextPending() is { } question)
        {
            DelayDeactivation(TimeSpan.FromMinutes(2));
            var start = S.Start!;
            var assistant = await Assistant(start);
            AiAnswer? answer = null;
            var offline = assistant is null;
            if (assistant is not null)
            {
                await Publish(DialogEventKinds.Typing);
                var lastTyping = DateTimeOffset.MinValue;
                var request = new AiRequest(start.AccountId, assistant.Settings.Model, assistant.Settings.Providers,
                    History(assistant.Settings, question.Seq), assistant.Settings.Temperature,
                    OnPartial: !_options.StreamPartials ? null : async partial =>
                    {
                        var now = time.GetUtcNow();
                        if (now - lastTyping >= _options.TypingInterval && S.Mode == DialogMode.Ai)
                        {
                            lastTyping = now;
                            await Publish(DialogEventKinds.Typing, partial: partial);
                        }
                    });
                using var typing = ChannelTyping(start);
                try
                {
                    answer = await router.Complete(request);
                    _unavailableSince = null;
                }
                catch (AiNotConfiguredException)
                {
                    offline = true;
                }
                catch (AiUnavailableException ex)
                {
                    var now = time.GetUtcNow();
                    _unavailableSince ??= now;
                    if (now - _unavailableSince < _options.MaxAiWait)
                    {
                        var at = ex.RetryAt is { } r && r > now ? r : now + TimeSpan.FromSeconds(5);
                        LogWaitingForAi(Id, at, ex.Message);
                        ScheduleRetry(at - now);
                        return true;
                    }
                    offline = true;
                }
            }

            if (S.Mode != DialogMode.Ai || question.Seq <= S.LastProcessedSeq)
            {
                // An operator took the dialog (or it was closed) while the answer was being generated.
                DroppedAnswers.Inc();
                LogDropped(Id, question.Seq, S.Mode);
                continue;
            }

            var previouslyProcessed = S.LastProcessedSeq;
            S.LastProcessedSeq = question.Seq;
            try
            {
                await Answer(assistant, answer, offline);
            }
            catch
            {
                // Not stored: the question stays unanswered and is retried.
                S.LastProcessedSeq = previouslyProcessed;
                throw;
            }
        }
        return false;
    }

    /// <summary>Stores the answer (or the offline fallback) and hands the dialog over when it must.</summary>
    private async Task Answer(Assistant? assistant, AiAnswer? answer, bool offline)
    {
        if (offline)
        {
            _unavailableSince = null;
            await Append(MessageAuthor.Assistant, OfflineText.For(assistant?.Settings ?? AssistantDefaults.Settings), offline: true);
            await Handoff("no AI answer");
            return;
        }

        var text = answer!.Text;
        var wantsHuman = text.Contains(HandoffMarker, StringComparison.Ordinal);
        text = text.Replace(HandoffMarker, "", StringComparison.Ordinal).Trim();
        S.AiTurns++;
        var rules = assistant!.Settings.Handoff;
        if (!wantsHuman && rules.MaxAiTurns > 0 && S.AiTurns >= rules.MaxAiTurns && !S.OfferedHuman)
        {
            S.OfferedHuman = true;
            text += "\n\n" + (English(assistant.Settings)
                ? "If you'd like to talk to a person, write \"operator\"."
                : "Если хотите поговорить с человеком, напишите «оператор».");
        }
        if (text.Length > 0)
        {
            await Append(MessageAuthor.Assistant, text, offline: false);
        }
        else
        {
            MarkDirty();
        }
        if (wantsHuman)
        {
            await Handoff("model");
        }
    }

    /// <summary>Shows "typing…" in the messenger while the model works longer than <see cref="DialogOptions.ChannelTypingDelay"/>.</summary>
    private IGrainTimer? ChannelTyping(DialogStart start)
    {
        if (start is not { Channel: "telegram", ChannelId: { } botId, ExternalChat: { } chat } || S.Unreachable)
        {
            return null;
        }
        return this.RegisterGrainTimer(async _ =>
        {
            try
            {
                await Bot(botId).Typing(chat);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogChannelCallFailed(Id, "typing", ex.Message); // a lost hint; the answer still goes out
            }
        }, new GrainTimerCreationOptions(_options.ChannelTypingDelay, TimeSpan.FromSeconds(4.5)) { Interleave = true });
    }

    private void RetryDelivery(Guid botId, Bots.BotDelivery delivery, int attempt)
    {
        IGrainTimer? timer = null;
        timer = this.RegisterGrainTimer(async _ =>
        {
            timer?.Dispose();
            try
            {
                await Bot(botId).Deliver(delivery); // the bot ignores a message it already has
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogChannelCallFailed(Id, "deliver (retry)", ex.Message);
                if (attempt < 12)
                {
                    RetryDelivery(botId, delivery, attempt + 1);
                }
            }
        }, new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    // Grain references are cached: resolving one costs a reflection lookup in Orleans on every GetGrain.
    private Bots.IBotGrain Bot(Guid botId) => _bot ??= GrainFactory.GetGrain<Bots.IBotGrain>(botId);

    private void ScheduleRetry(TimeSpan after)
    {
        _retry?.Dispose();
        _retry = this.RegisterGrainTimer(_ =>
        {
            _retry?.Dispose();
            _retry = null;
            StartProcessing();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(after, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task<DialogMessage?> NextPending()
    {
        if (S.LastProcessedSeq >= S.LastSeq)
        {
            return null;
        }
        if (_recent.Count > 0 && _recent[0].Seq <= S.LastProcessedSeq + 1)
        {
            // The window holds everything after the last answered message: decide without awaiting, so a
            // message stored concurrently cannot be skipped.
            var inWindow = _recent.FirstOrDefault(m => m.Author == MessageAuthor.User && m.Seq > S.LastProcessedSeq && !_autoReplied.Contains(m.Seq));
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
        var next = stored.FirstOrDefault(m => m.Author == MessageAuthor.User && m.Seq <= known && !_autoReplied.Contains(m.Seq));
        if (next is null)
        {
            S.LastProcessedSeq = Math.Max(S.LastProcessedSeq, stored.Count > 0 ? Math.Min(known, stored[^1].Seq) : known);
        }
        return next;
    }

    /// <summary>The assistant's settings, reused for a moment: one message asks for them up to three times.</summary>
    private async Task<Assistant?> Assistant(DialogStart start)
    {
        var now = time.GetUtcNow();
        if (_assistant is { } cached && now - cached.At < _options.AssistantCacheTime)
        {
            return cached.Value;
        }
        _assistantGrain ??= GrainFactory.GetGrain<IAssistantGrain>(start.AssistantId);
        var value = await _assistantGrain.Get(start.AccountId);
        _assistant = (value, now);
        return value;
    }

    /// <summary>System prompt, then the newest messages up to the question that fit the token budget.</summary>
    private IReadOnlyList<AiChatMessage> History(AssistantSettings settings, long uptoSeq)
    {
        var system = settings.SystemPrompt + "\n\nIf the customer asks for a human, or you cannot help, reply with exactly " + HandoffMarker + ".";
        return TrimHistory(system, _recent.Where(m => m.Seq <= uptoSeq && m.Author != MessageAuthor.System).ToArray(), _options.HistoryTokenBudget);
    }

    public static IReadOnlyList<AiChatMessage> TrimHistory(string system, IReadOnlyList<DialogMessage> messages, int budget)
    {
        static int Tokens(string text) => text.Length / 2 + 4;
        var remaining = budget - Tokens(system);
        var picked = new List<AiChatMessage>();
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var m = messages[i];
            var cost = Tokens(m.Text);
            if (cost > remaining && picked.Count > 0)
            {
                break;
            }
            remaining -= cost;
            picked.Add(new AiChatMessage(m.Author == MessageAuthor.User ? "user" : "assistant", m.Text));
        }
        picked.Add(new AiChatMessage("system", system));
        picked.Reverse();
        return picked;
    }

    public static bool MatchesHandoffKeyword(string text, IReadOnlyList<string> keywords) =>
        keywords.Any(k => k.Length > 0 && Regex.IsMatch(text, @"(?<![\p{L}\p{N}])" + Regex.Escape(k), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50)));

    private static bool English(AssistantSettings settings) => settings.Language.StartsWith("en", StringComparison.OrdinalIgnoreCase);

    private async Task Handoff(string reason)
    {
        S.Mode = DialogMode.Waiting;
        Handoffs.WithLabels(reason).Inc();
        var assistant = await Assistant(S.Start!);
        var english = assistant is not null && English(assistant.Settings);
        await Append(MessageAuthor.System, english ? "Connecting you to a human operator. Please wait." : "Соединяю вас с оператором. Пожалуйста, подождите.", offline: false);
        await SaveDialog();
        await WriteState(); // a mode change is written at once
        await Publish(DialogEventKinds.Status, mode: S.Mode);
        LogHandoff(Id, reason);
    }

    private async Task<DialogMessage> Append(MessageAuthor author, string text, bool offline, Guid? operatorId = null, string? externalId = null)
    {
        var message = new DialogMessage(S.LastSeq + 1, DialogNames.Micro(time.GetUtcNow()), author, text, externalId, offline, operatorId);
        var channel = S.Start is { Channel: "telegram", ChannelId: { } botId, ExternalChat: { } chat } && !S.Unreachable
            ? (Bot: botId, Chat: chat)
            : default;
        // An outgoing message is stored awaiting delivery: if the bot's queue is lost with its silo, the bot
        // finds it again when it is reactivated.
        if (!await store.Append(Id, message, awaitingDelivery: channel.Chat is not null))
        {
            throw new InvalidOperationException($"Message {message.Seq} of dialog {Id} is already stored.");
        }
        Messages.WithLabels(DialogNames.Author(author)).Inc();
        S.LastSeq = message.Seq;
        AddRecent(message);
        // The stored message is the record; the counters it moves in grain state are written within
        // StateFlushDelay (activation recomputes them from the table after a crash), not once per message.
        MarkDirty();
        await Publish(DialogEventKinds.Message, message);
        if (channel.Chat is not null)
        {
            // The bot grain queues it for Telegram within the limits (Deliver interleaves, so a bot waiting on
            // this dialog cannot deadlock with it). Settled tells the bot this dialog has no question left.
            var settled = S.Mode != DialogMode.Ai || !_recent.Any(IsUnanswered);
            try
            {
                await Bot(channel.Bot).Deliver(new Bots.BotDelivery(channel.Chat, text, Id, message.Seq, settled));
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // Stored and flagged: retried from here in a few seconds, and the bot re-sends it from the store
                // on its next activation or periodic sweep whatever happens to this dialog.
                LogChannelCallFailed(Id, "deliver", ex.Message);
                RetryDelivery(channel.Bot, new Bots.BotDelivery(channel.Chat, text, Id, message.Seq, settled), attempt: 1);
            }
        }
        return message;
    }

    private void AddRecent(DialogMessage message)
    {
        _recent.Add(message);
        if (_recent.Count > _options.RecentWindow)
        {
            _recent.RemoveRange(0, _recent.Count - _options.RecentWindow);
        }
    }

    private Task SaveDialog()
    {
        var start = S.Start!;
        return store.SaveDialog(new DialogRecord(Id, start.AccountId, start.AssistantId, start.Channel, start.ExternalChat, S.Mode, S.OperatorId,
            S.CreatedAt, DialogNames.Micro(time.GetUtcNow()), start.ChannelId));
    }

    private async Task Publish(string kind, DialogMessage? message = null, DialogMode? mode = null, string? partial = null, Guid? operatorId = null)
    {
        var start = S.Start!;
        var evt = new DialogEvent(++S.EventSeq, Id, start.AccountId, kind, message, mode, partial, operatorId);
        var provider = this.GetStreamProvider(StreamNames.Provider);
        await Notify(provider.GetStream<DialogEvent>(StreamId.Create(StreamNames.Dialog, Id)), evt);
        if (kind != DialogEventKinds.Typing)
        {
            // Account-wide listeners (operator consoles) follow messages and status, not every typing update.
            await Notify(provider.GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, start.AccountId)), evt);
        }
    }

    /// <summary>
    /// Events only notify (the store is the truth; a listener sees a gap in EventSeq and can re-read it), so
    /// a full or unavailable stream queue must not fail the message that was already stored.
    /// </summary>
    private async Task Notify(IAsyncStream<DialogEvent> stream, DialogEvent evt)
    {
        try
        {
            await stream.OnNextAsync(evt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            DroppedEvents.Inc();
            LogEventDropped(Id, evt.Kind, evt.EventSeq, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId}: AI answer to message {Seq} dropped, the dialog is now {Mode}")]
    private partial void LogDropped(Guid dialogId, long seq, DialogMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId} taken over by {OperatorId} while an AI answer is being generated")]
    private partial void LogTakeoverDuringAi(Guid dialogId, Guid operatorId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId} handed to operators ({Reason})")]
    private partial void LogHandoff(Guid dialogId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId} waits for a free AI key until {RetryAt}: {Reason}")]
    private partial void LogWaitingForAi(Guid dialogId, DateTimeOffset retryAt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId}: {Kind} event {Seq} not published: {Error}")]
    private partial void LogEventDropped(Guid dialogId, string kind, long seq, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId}: the customer cannot be reached ({Reason})")]
    private partial void LogUnreachable(Guid dialogId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId}: {Call} to the channel failed: {Error}")]
    private partial void LogChannelCallFailed(Guid dialogId, string call, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dialog {DialogId}: answering failed; retrying")]
    private partial void LogLoopFailed(Exception exception, Guid dialogId);
}
