using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using ReplyX.Desk;
using ReplyX.Dialogs;
using ReplyX.Hosting;

namespace ReplyX.Api.Dialogs;

public sealed record TypingData(string? Partial);

public sealed record StatusData(string Status, Guid? OperatorId);

public sealed record FeedData(Guid DialogId, string Status, Guid? OperatorId, MessageResponse? LastMessage);

public sealed record BotStatusData(Guid BotId, Guid AccountId, string Status, string? Error);

/// <summary>A document's processing on the account feed (<c>document.status</c>).</summary>
public sealed record DocumentStatusData(Guid DocumentId, Guid AssistantId, string Status, int ChunksDone, int ChunksTotal, string? Error);

/// <summary>
/// One client's view of a live Orleans stream as Server-Sent Events: subscribed before anything is read
/// from the store (so nothing falls between), unsubscribed when the client goes, a comment line when idle.
/// A dialog stream also keeps the dialog publishing (<see cref="IDialogGrain.Watch"/>) and is gap-free by
/// message seq (<see cref="MessageSequencer"/>): what the live stream dropped or reordered is read back from
/// the store.
/// </summary>
public sealed class DialogEventStream(IClusterClient cluster, EventStreamConnections connections, IOptions<EventStreamOptions> options)
{
    private static readonly TimeSpan WatchRenewal = DialogWatch.Lease / 3;
    // Below the desk's presence timeout (90 s by default); a ping comes at least every PingInterval.
    private static readonly TimeSpan PresenceRenewal = TimeSpan.FromSeconds(20);
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();
    private const int CatchUpPage = 500;

    public const string Ready = "ready";
    public const string Resync = "resync";

    private readonly EventStreamOptions _options = options.Value;

    /// <summary>The event stream's response, or 503 at this node's cap.</summary>
    /// <param name="staff">Owners and operators also get private notes; a visitor never does.</param>
    public IResult Dialog(HttpContext http, Guid accountId, DialogSummary dialog, string? lastEventId, bool staff)
    {
        var slot = connections.TryOpen("dialog");
        if (slot is null)
        {
            return EventStreamConnections.Full(http);
        }
        var resume = MessageSequencer.Resume(lastEventId);
        return Respond(http, DialogEvents(http, accountId, dialog, resume, staff, slot, http.RequestAborted));
    }

    /// <summary>The account feed; with <paramref name="available"/> the caller is online for the desk's offers while it is open.</summary>
    public IResult Account(HttpContext http, Guid accountId, Guid? available, string? lastEventId)
    {
        var slot = connections.TryOpen("account");
        if (slot is null)
        {
            return EventStreamConnections.Full(http);
        }
        return Respond(http, AccountEvents(http, StreamNames.Account, accountId, available, !string.IsNullOrEmpty(lastEventId), slot, http.RequestAborted));
    }

    /// <summary>The admins' feed: platform-wide notifications (bot status of every account).</summary>
    public IResult Admin(HttpContext http, string? lastEventId)
    {
        var slot = connections.TryOpen("admin");
        if (slot is null)
        {
            return EventStreamConnections.Full(http);
        }
        return Respond(http, AccountEvents(http, StreamNames.Admin, Guid.Empty, null, !string.IsNullOrEmpty(lastEventId), slot, http.RequestAborted));
    }

    private static IResult Respond(HttpContext http, IAsyncEnumerable<SseItem<object>> events)
    {
        // Behind nginx and its kin: no response buffering, or events arrive in lumps.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        return TypedResults.ServerSentEvents(events);
    }

    private async IAsyncEnumerable<SseItem<object>> DialogEvents(HttpContext http, Guid accountId, DialogSummary dialog, long? resume,
        bool staff, IDisposable slot, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var _ = slot;
        using var timer = new IdleTimer(cancellationToken);
        var grain = cluster.GetGrain<IDialogGrain>(dialog.Id);
        var queries = cluster.GetGrain<IDialogQueryGrain>(0);
        var live = LiveBuffer();
        var handle = await Subscribe(StreamNames.Dialog, dialog.Id, live);
        try
        {
            await grain.Watch(accountId);
            var watchedAt = DateTimeOffset.UtcNow;
            // A resuming client gets what it missed; a new one starts after the newest message it could have read.
            var sequencer = new MessageSequencer(resume ?? dialog.LastMessage?.Seq ?? 0);
            yield return new SseItem<object>(new { }, Ready) { EventId = sequencer.Other() };
            if (resume is not null)
            {
                foreach (var missed in await CatchUp(queries, accountId, dialog.Id, sequencer, long.MaxValue))
                {
                    yield return missed;
                }
                var now = await queries.Find(accountId, dialog.Id);
                if (now is not null)
                {
                    yield return new SseItem<object>(new StatusData(DialogsApi.Status(now.Mode), now.OperatorId), DialogEventKinds.Status) { EventId = sequencer.Other() };
                }
            }
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = WatchRenewal - (DateTimeOffset.UtcNow - watchedAt);
                var state = await Next(live.Reader, due < _options.PingInterval ? due : _options.PingInterval, http, timer, cancellationToken);
                if (state == Wait.Gone)
                {
                    yield break;
                }
                if (DateTimeOffset.UtcNow - watchedAt >= WatchRenewal)
                {
                    await grain.Watch(accountId);
                    watchedAt = DateTimeOffset.UtcNow;
                }
                while (live.Reader.TryRead(out var evt))
                {
                    foreach (var item in await Translate(evt, queries, accountId, sequencer, staff, connections))
                    {
                        yield return item;
                    }
                }
            }
        }
        finally
        {
            await Unsubscribe(handle);
        }
    }

    private static async Task<IReadOnlyList<SseItem<object>>> Translate(DialogEvent evt, IDialogQueryGrain queries, Guid accountId, MessageSequencer sequencer,
        bool staff, EventStreamConnections connections)
    {
        switch (evt.Kind)
        {
            case DialogEventKinds.Note when staff && evt.Message is { } note:
                return [new SseItem<object>(new NoteResponse(Guid.TryParse(note.ExternalId, out var noteId) ? noteId : Guid.Empty, note.OperatorId ?? Guid.Empty, note.Text, note.At),
                    DialogEventKinds.Note) { EventId = sequencer.Other() }];
            case DialogEventKinds.Message when evt.Message is { } message:
                return sequencer.Step(message.Seq) switch
                {
                    SequenceStep.Skip => [],
                    SequenceStep.Next => [new SseItem<object>(DialogsApi.ToResponse(message), DialogEventKinds.Message) { EventId = sequencer.Sent(message.Seq) }],
                    _ => await GapFill(queries, accountId, evt.DialogId, sequencer, message.Seq, connections),
                };
            case DialogEventKinds.Typing:
                return [new SseItem<object>(new TypingData(evt.Partial), DialogEventKinds.Typing) { EventId = sequencer.Other() }];
            case DialogEventKinds.Status or DialogEventKinds.Assigned when evt.Mode is { } mode:
                return [new SseItem<object>(new StatusData(DialogsApi.Status(mode), evt.OperatorId), evt.Kind) { EventId = sequencer.Other() }];
            default:
                return [];
        }
    }

    private static Task<IReadOnlyList<SseItem<object>>> GapFill(IDialogQueryGrain queries, Guid accountId, Guid dialogId, MessageSequencer sequencer, long upTo,
        EventStreamConnections connections)
    {
        connections.GapFilled();
        return CatchUp(queries, accountId, dialogId, sequencer, upTo);
    }

    /// <summary>The stored messages after the last one sent, up to <paramref name="upTo"/>, in order.</summary>
    private static async Task<IReadOnlyList<SseItem<object>>> CatchUp(IDialogQueryGrain queries, Guid accountId, Guid dialogId, MessageSequencer sequencer, long upTo)
    {
        var items = new List<SseItem<object>>();
        while (sequencer.LastSent < upTo)
        {
            var page = await queries.After(accountId, dialogId, sequencer.LastSent, CatchUpPage) ?? [];
            foreach (var message in page.Where(m => m.Seq <= upTo))
            {
                items.Add(new SseItem<object>(DialogsApi.ToResponse(message), DialogEventKinds.Message) { EventId = sequencer.Sent(message.Seq) });
            }
            if (page.Count < CatchUpPage)
            {
                break;
            }
        }
        return items;
    }

    private async IAsyncEnumerable<SseItem<object>> AccountEvents(HttpContext http, string streamNamespace, Guid accountId, Guid? available, bool resumed,
        IDisposable slot, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var _ = slot;
        using var timer = new IdleTimer(cancellationToken);
        var live = LiveBuffer();
        var handle = await Subscribe(streamNamespace, accountId, live);
        var desk = cluster.GetGrain<IOperatorDeskGrain>(accountId);
        var connection = Guid.NewGuid();
        var presentAt = DateTimeOffset.UtcNow;
        try
        {
            if (available is { } present)
            {
                await desk.Online(present, connection);
            }
            long id = 0;
            yield return new SseItem<object>(new { }, Ready) { EventId = Id(++id) };
            if (resumed)
            {
                // The account feed is a notification of dialog-level changes; its truth is the dialog list,
                // which a reconnecting client reads again.
                yield return new SseItem<object>(new { }, Resync) { EventId = Id(++id) };
            }
            while (!cancellationToken.IsCancellationRequested)
            {
                if (await Next(live.Reader, _options.PingInterval, http, timer, cancellationToken) == Wait.Gone)
                {
                    yield break;
                }
                if (available is { } renewing && DateTimeOffset.UtcNow - presentAt >= PresenceRenewal)
                {
                    await desk.Online(renewing, connection);
                    presentAt = DateTimeOffset.UtcNow;
                }
                while (live.Reader.TryRead(out var evt))
                {
                    object data = evt.Kind == DialogEventKinds.BotStatus
                        ? new BotStatusData(evt.DialogId, evt.AccountId, evt.Partial ?? "unknown", evt.Detail)
                        : evt.Document is { } d
                        ? new DocumentStatusData(evt.DialogId, d.AssistantId, d.Status.ToString().ToLowerInvariant(), d.ChunksDone, d.ChunksTotal, d.Error)
                        : new FeedData(evt.DialogId, evt.Mode is { } m ? DialogsApi.Status(m) : "ai", evt.OperatorId,
                            evt.Message is { } message ? DialogsApi.ToResponse(message) : null);
                    yield return new SseItem<object>(data, evt.Kind) { EventId = Id(++id) };
                }
            }
        }
        finally
        {
            if (available is { } leaving)
            {
                await desk.Offline(leaving, connection);
            }
            await Unsubscribe(handle);
        }
    }

    private static string Id(long n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private enum Wait
    {
        Events,
        Idle,
        Gone,
    }

    /// <summary>
    /// Waits for live events; after <paramref name="idle"/> without any, writes a ping comment. One timer source
    /// per connection, reset between waits (a wait per event would otherwise allocate one).
    /// </summary>
    private static async Task<Wait> Next(ChannelReader<DialogEvent> reader, TimeSpan idle, HttpContext http, IdleTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.WaitToReadAsync(timer.Arm(idle > TimeSpan.Zero ? idle : TimeSpan.FromMilliseconds(1))) ? Wait.Events : Wait.Gone;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Between two events the formatter has written and flushed everything: the comment cannot interleave.
            await http.Response.Body.WriteAsync(Ping, cancellationToken);
            await http.Response.Body.FlushAsync(cancellationToken);
            return Wait.Idle;
        }
        catch (OperationCanceledException)
        {
            return Wait.Gone;
        }
    }

    /// <summary>The request's token with a deadline: reset and reused while it has not fired, replaced once it has.</summary>
    private sealed class IdleTimer(CancellationToken request) : IDisposable
    {
        private CancellationTokenSource _source = CancellationTokenSource.CreateLinkedTokenSource(request);

        public CancellationToken Arm(TimeSpan after)
        {
            if (!_source.TryReset())
            {
                _source.Dispose();
                _source = CancellationTokenSource.CreateLinkedTokenSource(request);
            }
            _source.CancelAfter(after);
            return _source.Token;
        }

        public void Dispose() => _source.Dispose();
    }

    /// <summary>A slow client's live events: the oldest give way (a dialog stream reads them back from the store).</summary>
    private Channel<DialogEvent> LiveBuffer() =>
        Channel.CreateBounded<DialogEvent>(new BoundedChannelOptions(_options.BufferPerConnection) { FullMode = BoundedChannelFullMode.DropOldest });

    private async Task<StreamSubscriptionHandle<DialogEvent>> Subscribe(string streamNamespace, Guid key, Channel<DialogEvent> live)
    {
        var stream = cluster.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(streamNamespace, key));
        var handle = await stream.SubscribeAsync((evt, _) =>
        {
            live.Writer.TryWrite(evt);
            return Task.CompletedTask;
        });
        connections.Subscribed();
        return handle;
    }

    private async Task Unsubscribe(StreamSubscriptionHandle<DialogEvent> handle)
    {
        try
        {
            await handle.UnsubscribeAsync();
        }
        finally
        {
            connections.Unsubscribed();
        }
    }
}
