using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Hosting;
using ReplyX.Knowledge;

namespace ReplyX.Dialogs;

/// <summary>
/// One conversation on one channel: stores messages before acknowledging them, answers the customer's with
/// the AI strictly in order (one call at a time, outside any request), hands over to operators, and delivers
/// through its channel's port, which never calls back. Prompt, handoff rules, texts and events are plain
/// classes; what needs the grain (order, state, timers) is here.
/// </summary>
[GrainType("dialog")]
public sealed class DialogGrain(
    [PersistentState("dialog")] IPersistentState<DialogState> state,
    IDialogStore store,
    AiRouter router,
    ReplyX.Billing.ReplyCharges charges,
    HybridRetriever retriever,
    DialogChannels channels,
    AnsweringLoad load,
    StateDurability durability,
    IOptions<DialogOptions> options,
    TimeProvider time,
    ILogger<DialogGrain> logger) : Grain, IDialogGrain, IAnsweringHost
{
    private readonly DialogOptions _options = options.Value;
    private readonly RecentMessages _recent = new(options.Value.RecentWindow);
    private DeferredStateWrite? _writes;
    private DialogEvents? _events;
    private DialogAnswering? _answering;
    private AssistantLookup? _assistant;
    private ChannelHandOver? _handOver;
    private DialogJournal? _journal;

    private Guid Id => this.GetPrimaryKey();
    private DialogState S => state.State;
    private DeferredStateWrite Writes => _writes ??= new DeferredStateWrite(() => state.WriteStateAsync(), _options.StateFlushDelay, Once, durability);
    private DialogEvents Events => _events ??= new DialogEvents(this.GetStreamProvider(StreamNames.Provider), Id, S.Start!.AccountId, time, logger,
        Once, () => (_recent.Items[^1], S.Mode), _options.AccountFeedInterval) { Seq = S.EventSeq };
    private IDialogChannel? Channel => S.Start is { } start && !S.Unreachable ? channels.For(start) : null;
    private DialogAnswering Answering => _answering ??= new DialogAnswering(this, store, router, charges, load, _options, time, logger);
    private DialogJournal Journal => _journal ??= new DialogJournal(Id, store, _recent, () => S, Published, time);
    private ChannelHandOver HandOver => _handOver ??= new ChannelHandOver(Id, _options, Once, logger);

    // The answering loop's view of this grain.
    Guid IAnsweringHost.Id => Id;
    DialogState IAnsweringHost.State => S;
    RecentMessages IAnsweringHost.Recent => _recent;
    IDialogChannel? IAnsweringHost.Channel => Channel;
    DialogEvents IAnsweringHost.Events => Events;
    Task<Assistant?> IAnsweringHost.Assistant() => Assistant();

    IDisposable IAnsweringHost.Timer(Func<Task> callback, TimeSpan due, TimeSpan period, bool keepAlive) =>
        this.RegisterGrainTimer(_ => callback(), new GrainTimerCreationOptions(due, period) { Interleave = true, KeepAlive = keepAlive });

    /// <summary>A one-shot interleaving timer that keeps the activation until it fired.</summary>
    private IDisposable Once(Func<Task> callback, TimeSpan due) =>
        this.RegisterGrainTimer(_ => callback(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });

    void IAnsweringHost.KeepActive(TimeSpan period) => DelayDeactivation(period);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (await DialogRestore.Run(Id, S, _recent, store, _options.RecentWindow, Assistant, cancellationToken))
        {
            Events.Existing();
            Answering.Start();
        }
    }

    // Lost at shutdown only with the storage (memory storage): the counters are recomputed at activation.
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Writes.FlushOnDeactivation(reason);

    public async Task<DialogSnapshot> Open(DialogStart start)
    {
        if (S.Start is { } existing)
        {
            return existing.AccountId == start.AccountId ? Snapshot() : throw new InvalidOperationException("This dialog belongs to another account.");
        }
        S.Start = start;
        S.Mode = DialogMode.Ai;
        S.CreatedAt = DialogNames.Micro(time.GetUtcNow());
        await SaveDialog(); // the dialog's record; its grain state is written with its first counters
        Events.New();
        return Snapshot();
    }

    public async Task<PostResult> PostUserMessage(string text, string? externalId)
    {
        if (S is { Mode: DialogMode.Closed, Start: not null } && _recent.ByExternalId(externalId) is null)
        {
            await SetMode(DialogMode.Ai, null); // writing again reopens the dialog (a redelivery does not)
        }
        var (message, duplicate) = await StoreCustomerMessage(text, externalId, autoReplied: false);
        if (duplicate is not null)
        {
            return duplicate;
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
        Answering.Start();
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

    public Task<DialogSnapshot?> Takeover(Guid accountId, Guid operatorId) => IfOwned(accountId, async () =>
    {
        if (Answering.Busy)
        {
            DialogLog.TakeoverDuringAi(logger, Id, operatorId);
        }
        await SetMode(DialogMode.Operator, operatorId);
        return Snapshot();
    });

    public Task<DialogSnapshot?> Release(Guid accountId, Guid operatorId) => IfOwned(accountId, async () =>
    {
        if (S.Mode is DialogMode.Operator or DialogMode.Waiting)
        {
            await SetMode(DialogMode.Ai, null);
        }
        return Snapshot();
    });

    public Task<PostResult?> PostOperatorMessage(Guid accountId, Guid operatorId, string text, string? externalId) => IfOwned(accountId, async () =>
    {
        // Operators' retries are rare and may come late: the store is asked too, before anything changes.
        if (externalId is not null && (_recent.ByExternalId(externalId) ?? await store.FindByExternalId(Id, externalId)) is { } duplicate)
        {
            return new PostResult(duplicate.Seq, true);
        }
        if (S.Mode != DialogMode.Operator || S.OperatorId != operatorId)
        {
            await SetMode(DialogMode.Operator, operatorId); // writing into a dialog is taking it over
        }
        return new PostResult((await Append(MessageAuthor.Operator, text, operatorId: operatorId, externalId: externalId)).Seq, false);
    });

    public Task<DialogSnapshot?> Close(Guid accountId) => IfOwned(accountId, async () =>
    {
        await SetMode(DialogMode.Closed, null);
        return Snapshot();
    });

    public Task<DialogSnapshot?> RequestHuman(Guid accountId) => IfOwned(accountId, async () =>
    {
        if (S.Mode is DialogMode.Ai or DialogMode.Closed)
        {
            await Handoff("visitor");
        }
        return Snapshot();
    });

    public Task<DialogSnapshot?> Get(Guid accountId) => Task.FromResult(Owns(accountId) ? Snapshot() : null);

    public Task<bool> Watch(Guid accountId)
    {
        if (Owns(accountId))
        {
            Events.Watch();
        }
        return Task.FromResult(Owns(accountId));
    }

    /// <summary>Tenant isolation inside the grain: another account's call (or one for a dialog never opened) gets null and changes nothing.</summary>
    private async Task<T?> IfOwned<T>(Guid accountId, Func<Task<T>> operation) where T : class => Owns(accountId) ? await operation() : null;

    public async Task Resume()
    {
        if (S.Start is null)
        {
            return;
        }
        Answering.Start();
        if (!Answering.Busy && _recent.FirstUnanswered(S.LastProcessedSeq) is null)
        {
            await store.ClearAwaitingAnswer(Id, S.LastSeq); // nothing left for the AI: stale flags go
        }
        foreach (var flagged in await store.FlaggedDeliveries(Id))
        {
            if (flagged.Refusal is { } refusal)
            {
                await ChannelRefused(refusal);
                await store.MarkDelivered(Id, flagged.Seq); // the refusal is recorded
            }
            else if (Channel is { } channel)
            {
                await HandOver.Deliver(channel, S.Start, new DialogMessage(flagged.Seq, time.GetUtcNow(), MessageAuthor.Assistant, flagged.Text, null, false, null));
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
        DialogLog.Unreachable(logger, Id, refusal);
        await Append(MessageAuthor.System, ReplyTexts.CustomerUnreachable((await Assistant())?.Settings, refusal), deliver: false);
        await Writes.Now();
    }

    private bool Owns(Guid accountId) => S.Start?.AccountId == accountId;

    private DialogSnapshot Snapshot() => S.Snapshot(Id, _recent, Answering.Busy);

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
        await Writes.Now();
        await Events.Status(mode, operatorId);
        await DeskNotice.Tell(GrainFactory, S.Start!.AccountId, Id, mode, operatorId, logger); // the desk's queue and loads follow
    }

    private async Task Handoff(string reason)
    {
        DialogMetrics.Handoffs.WithLabels(reason).Inc();
        await Append(MessageAuthor.System, ReplyTexts.ConnectingOperator((await Assistant())?.Settings));
        await SetMode(DialogMode.Waiting, null);
        DialogLog.Handoff(logger, Id, reason);
    }

    /// <summary>Stores a customer's message (a redelivery comes back as the duplicate of the first).</summary>
    private async Task<(DialogMessage Message, PostResult? Duplicate)> StoreCustomerMessage(string text, string? externalId, bool autoReplied)
    {
        _ = S.Start ?? throw new InvalidOperationException($"Dialog {Id} has not been opened.");
        var (message, duplicate) = await Journal.AppendCustomer(text, externalId, awaitingAnswer: !autoReplied && S.Mode == DialogMode.Ai);
        if (duplicate)
        {
            return (message, new PostResult(message.Seq, true));
        }
        S.Unreachable = false; // writing again means the customer can be answered again
        if (autoReplied && S.LastProcessedSeq == message.Seq - 1)
        {
            S.LastProcessedSeq = message.Seq; // answered by the fixed reply, not by the AI
        }
        else if (autoReplied)
        {
            _recent.AutoReplied(message.Seq);
        }
        return (message, null);
    }

    /// <summary>Stores an outgoing (or system) message and hands it to the channel.</summary>
    private async Task<DialogMessage> Append(MessageAuthor author, string text, bool offline = false, Guid? operatorId = null,
        string? externalId = null, long? answers = null, bool deliver = true, IReadOnlyList<KnowledgeSource>? sources = null)
    {
        var channel = deliver ? Channel : null;
        // Stored awaiting delivery: if the channel's queue is lost with its silo, the message is found again.
        var message = await Journal.Append(new DialogMessage(0, default, author, text, externalId, offline, operatorId, sources is { Count: > 0 } ? sources : null),
            new AppendFlags(AwaitingDelivery: channel is not null, AnswersUpTo: answers))
            ?? throw new InvalidOperationException($"A message of dialog {Id} was refused by the store.");
        Writes.Soon(); // counters are written within StateFlushDelay; activation recomputes them after a crash
        if (channel is not null)
        {
            await HandOver.Deliver(channel, S.Start!, message);
        }
        return message;
    }

    private async Task Published(DialogMessage message)
    {
        await Events.Message(message);
        S.EventSeq = Events.Seq;
    }

    Task IAnsweringHost.StoreAnswer(string text, long questionSeq, bool offline, IReadOnlyList<KnowledgeSource>? sources) =>
        Append(MessageAuthor.Assistant, text, offline: offline, answers: questionSeq, sources: sources);

    // The customer's previous message resolves a short follow-up ("and how much is it?").
    Task<Grounding> IAnsweringHost.Ground(DialogMessage question, Assistant? assistant) => assistant is null ? Task.FromResult(Grounding.None)
        : retriever.Ground(assistant, question.Text, _recent.Items.LastOrDefault(m => m.Author == MessageAuthor.User && m.Seq < question.Seq)?.Text);

    Task IAnsweringHost.Handoff(string reason) => Handoff(reason);

    private Task SaveDialog() => store.SaveDialog(S.ToRecord(Id, DialogNames.Micro(time.GetUtcNow())));

    private Task<Assistant?> Assistant() => (_assistant ??= new AssistantLookup(GrainFactory, time, _options.AssistantCacheTime)).Get(S.Start!);
}
