using Microsoft.Extensions.Logging;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Hosting;
using ReplyX.Knowledge;

namespace ReplyX.Dialogs;

/// <summary>What the answering loop reads and does through its dialog grain.</summary>
public interface IAnsweringHost
{
    Guid Id { get; }

    DialogState State { get; }

    RecentMessages Recent { get; }

    IDialogChannel? Channel { get; }

    DialogEvents Events { get; }

    Task<Assistant?> Assistant();

    /// <summary>Stores the answer (or the offline fallback) to <paramref name="questionSeq"/> and hands it to the channel.</summary>
    Task StoreAnswer(string text, long questionSeq, bool offline, IReadOnlyList<KnowledgeSource>? sources = null);

    /// <summary>What the assistant's documents say to <paramref name="question"/>.</summary>
    Task<Grounding> Ground(DialogMessage question, Assistant? assistant);

    /// <summary>Hands the dialog to operators.</summary>
    Task Handoff(string reason);

    IDisposable Timer(Func<Task> callback, TimeSpan due, TimeSpan period, bool keepAlive);

    void KeepActive(TimeSpan period);
}

/// <summary>
/// A dialog's answering loop: the customer's messages in order, one AI call at a time, outside any request
/// (operators are never blocked by it), with "typing…" for slow answers, retries when no key has room, and
/// cancellation when the dialog changes hands. Runs on its grain's scheduler.
/// </summary>
public sealed partial class DialogAnswering(
    IAnsweringHost host, IDialogStore store, AiRouter router, ReplyX.Billing.ReplyCharges charges, AnsweringLoad load, DialogOptions options, TimeProvider time, ILogger logger)
{
    private readonly AiAnswerer _answerer = new(router, charges, options, time);
    private IDisposable? _retry;
    private CancellationTokenSource? _call;

    public bool Busy { get; private set; }

    private DialogState S => host.State;

    /// <summary>Starts the loop unless it runs or nothing waits.</summary>
    public void Start()
    {
        if (!Busy && S.Mode == DialogMode.Ai && S.LastProcessedSeq < S.LastSeq)
        {
            Busy = true;
            load.Enter();
            _ = Loop();
        }
    }

    /// <summary>The dialog changed hands: the call in flight is cancelled (its answer would be dropped anyway).</summary>
    public void Cancel() => _call?.Cancel();

    private async Task Loop()
    {
        var retrying = false;
        try
        {
            retrying = await AnswerPending();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || S.Mode == DialogMode.Ai)
        {
            // Anything but the cancellation of a dialog that changed hands (a timeout inside the AI path also
            // surfaces as a cancellation) is retried: a question must never wait for the customer's next message.
            LogLoopFailed(ex, host.Id);
            ScheduleRetry(TimeSpan.FromSeconds(5));
            retrying = true;
        }
        finally
        {
            Busy = false;
            load.Exit();
        }
        // A message may have been stored while the loop was deciding to stop: look once more before going idle.
        if (!retrying)
        {
            Start();
        }
    }

    /// <summary>Answers unanswered customer messages in order; true when it stopped to retry later.</summary>
    private async Task<bool> AnswerPending()
    {
        while (S.Mode == DialogMode.Ai && await NextPending() is { } question)
        {
            host.KeepActive(TimeSpan.FromMinutes(2));
            var assistant = await host.Assistant();
            var grounding = await host.Ground(question, assistant);
            if (grounding.Kind == GroundingKind.NothingFound && S.Mode == DialogMode.Ai)
            {
                // The documents do not answer it: say so (and how to reach a person) instead of letting the model guess.
                await host.StoreAnswer(grounding.NothingFoundText(), question.Seq, offline: false);
                S.LastProcessedSeq = question.Seq;
                S.AiTurns++;
                continue;
            }
            using var call = _call = new CancellationTokenSource();
            AnswerOutcome outcome;
            using (SlowAnswerHints())
            {
                var lastPartial = DateTimeOffset.MinValue;
                outcome = await _answerer.Ask(S.Start!.AccountId, host.Id, assistant, grounding, host.Recent.Items, question.Seq,
                    !options.StreamPartials ? null : async partial =>
                    {
                        if (time.GetUtcNow() - lastPartial >= options.TypingInterval && S.Mode == DialogMode.Ai)
                        {
                            lastPartial = time.GetUtcNow();
                            await host.Events.Typing(partial);
                        }
                    }, call.Token);
            }
            _call = null;
            if (outcome.Kind == AnswerKind.Retry)
            {
                LogWaitingForAi(host.Id, outcome.RetryAt, outcome.Reason ?? "");
                ScheduleRetry(outcome.RetryAt - time.GetUtcNow());
                return true;
            }
            if (outcome.Kind == AnswerKind.Cancelled || S.Mode != DialogMode.Ai || question.Seq <= S.LastProcessedSeq)
            {
                // An operator took the dialog (or it was closed) while the answer was being generated.
                DialogMetrics.DroppedAnswers.Inc();
                LogDropped(host.Id, question.Seq, S.Mode);
                continue;
            }
            await Answered(question.Seq, assistant, outcome, grounding);
        }
        return false;
    }

    /// <summary>Stores the answer (or the offline fallback) and hands the dialog over when it must.</summary>
    private async Task Answered(long questionSeq, Assistant? assistant, AnswerOutcome outcome, Grounding grounding)
    {
        if (outcome.Kind == AnswerKind.Offline && grounding.Kind == GroundingKind.Passages)
        {
            // No model, but the documents have it: the best passage, quoted with its source; when the evidence is
            // too weak to quote, "not in the documents" rather than a passage that may not answer.
            var (quote, quoted) = grounding.CanQuote ? grounding.Quote() : (grounding.NothingFoundText(), []);
            await host.StoreAnswer(quote, questionSeq, offline: true, quoted);
            S.LastProcessedSeq = questionSeq;
            S.AiTurns++;
            return;
        }
        if (outcome.Kind is AnswerKind.Offline or AnswerKind.Unpaid)
        {
            // No model, or no money for one: the assistant's "temporarily unavailable" text, and people take over.
            await host.StoreAnswer(ReplyTexts.Offline(assistant?.Settings), questionSeq, offline: true);
            S.LastProcessedSeq = questionSeq;
            await host.Handoff(outcome.Kind == AnswerKind.Unpaid ? "balance" : "no AI answer");
            return;
        }
        var decision = HandoffPolicy.Decide(outcome.Answer!.Text, assistant!.Settings, S.AiTurns + 1, S.OfferedHuman);
        if (decision.Text.Length > 0)
        {
            var (text, sources) = grounding.Cited(decision.Text);
            await host.StoreAnswer(text, questionSeq, offline: false, sources);
        }
        S.LastProcessedSeq = questionSeq; // after the answer is stored: a failed append leaves the question to retry
        S.AiTurns++;
        S.OfferedHuman |= decision.OffersHuman;
        if (decision.WantsHuman)
        {
            await host.Handoff("model");
        }
    }

    /// <summary>"Typing…" in the messenger and on the dialog's stream once an answer takes longer than <see cref="DialogOptions.ChannelTypingDelay"/>.</summary>
    private IDisposable SlowAnswerHints() => host.Timer(async () =>
    {
        await host.Events.Typing();
        if (host.Channel is { } channel)
        {
            try
            {
                await channel.Typing(S.Start!);
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                LogTypingFailed(host.Id, Errors.Describe(ex)); // a lost hint; the answer still goes out
            }
        }
    }, options.ChannelTypingDelay, TimeSpan.FromSeconds(4.5), keepAlive: false);

    private void ScheduleRetry(TimeSpan after)
    {
        _retry?.Dispose();
        _retry = host.Timer(() =>
        {
            _retry?.Dispose();
            _retry = null;
            Start();
            return Task.CompletedTask;
        }, after > TimeSpan.Zero ? after : TimeSpan.Zero, Timeout.InfiniteTimeSpan, keepAlive: true);
    }

    /// <summary>The oldest customer message still waiting for the AI, if any.</summary>
    private async Task<DialogMessage?> NextPending()
    {
        if (S.LastProcessedSeq >= S.LastSeq)
        {
            return null;
        }
        if (host.Recent.CoversAfter(S.LastProcessedSeq))
        {
            // Decided without awaiting, so a message stored concurrently cannot be skipped.
            var inWindow = host.Recent.FirstUnanswered(S.LastProcessedSeq);
            if (inWindow is null)
            {
                S.LastProcessedSeq = S.LastSeq;
            }
            return inWindow;
        }
        // The oldest unanswered message fell out of the window: read it from the table. Requests may store
        // newer messages meanwhile, so only what was known before the read can be marked as handled.
        var known = S.LastSeq;
        var stored = await store.Messages(host.Id, S.LastProcessedSeq, 200);
        var next = stored.FirstOrDefault(m => m.Seq <= known && host.Recent.IsUnanswered(m, S.LastProcessedSeq));
        if (next is null)
        {
            S.LastProcessedSeq = Math.Max(S.LastProcessedSeq, stored.Count > 0 ? Math.Min(known, stored[^1].Seq) : known);
        }
        return next;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Dialog {DialogId}: AI answer to message {Seq} dropped, the dialog is now {Mode}")]
    private partial void LogDropped(Guid dialogId, long seq, DialogMode mode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId} waits for a free AI key until {RetryAt}: {Reason}")]
    private partial void LogWaitingForAi(Guid dialogId, DateTimeOffset retryAt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dialog {DialogId}: typing to the channel failed: {Error}")]
    private partial void LogTypingFailed(Guid dialogId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dialog {DialogId}: answering failed; retrying")]
    private partial void LogLoopFailed(Exception exception, Guid dialogId);
}

internal static class DialogMetrics
{
    public static readonly Prometheus.Counter Messages = Prometheus.Metrics.CreateCounter("replyx_dialog_messages_total", "Dialog messages stored, by author.", "author");
    public static readonly Prometheus.Counter DroppedAnswers = Prometheus.Metrics.CreateCounter("replyx_dialog_dropped_ai_answers_total", "AI answers dropped because an operator took the dialog meanwhile.");
    public static readonly Prometheus.Counter Handoffs = Prometheus.Metrics.CreateCounter("replyx_dialog_handoffs_total", "Dialogs handed to operators, by reason.", "reason");
}
