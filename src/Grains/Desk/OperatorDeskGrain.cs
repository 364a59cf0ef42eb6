using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using ReplyX.Dialogs;
using ReplyX.Hosting;

namespace ReplyX.Desk;

/// <summary>
/// One account's desk (<see cref="IOperatorDeskGrain"/>): presence, loads and the handoff queue, kept in
/// memory and rebuilt from the dialog store on activation; offers go out on the account's feed.
/// </summary>
[GrainType("operator-desk")]
public sealed partial class OperatorDeskGrain(IDialogDirectory directory, IOptions<DeskOptions> options, TimeProvider time,
    ILogger<OperatorDeskGrain> logger) : Grain, IOperatorDeskGrain
{
    private const int RebuildPage = 200;
    private const int RebuildMax = 10_000;

    private readonly DeskOptions _options = options.Value;
    private readonly Dictionary<Guid, WaitingDialog> _queue = [];
    private readonly Dictionary<Guid, Guid> _held = []; // dialog → operator
    private readonly Dictionary<Guid, Dictionary<Guid, DateTimeOffset>> _online = []; // operator → connection → last renewal
    private readonly Dictionary<Guid, DateTimeOffset> _onlineSince = [];
    private IAsyncStream<DialogEvent>? _feed;

    private Guid AccountId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Resync(cancellationToken);
        this.RegisterGrainTimer(_ => Check(), new GrainTimerCreationOptions(_options.CheckInterval, _options.CheckInterval) { Interleave = false, KeepAlive = false });
        this.RegisterGrainTimer(_ => Resync(CancellationToken.None), new GrainTimerCreationOptions(_options.ResyncInterval, _options.ResyncInterval) { Interleave = false, KeepAlive = false });
    }

    /// <summary>The queue and the loads as the store has them; offers still standing are kept.</summary>
    private async Task Resync(CancellationToken cancellationToken)
    {
        var waiting = new Dictionary<Guid, DialogSummary>();
        var held = new Dictionary<Guid, Guid>();
        await Rebuild(DialogMode.Waiting, d => waiting[d.Id] = d, cancellationToken);
        await Rebuild(DialogMode.Operator, d =>
        {
            if (d.OperatorId is { } op)
            {
                held[d.Id] = op;
            }
        }, cancellationToken);
        foreach (var gone in _queue.Keys.Where(id => !waiting.ContainsKey(id)).ToArray())
        {
            _queue.Remove(gone);
        }
        foreach (var (id, d) in waiting)
        {
            _queue.TryAdd(id, new WaitingDialog(id, d.UpdatedAt));
        }
        _held.Clear();
        foreach (var (dialog, op) in held)
        {
            _held[dialog] = op;
        }
    }

    private async Task Rebuild(DialogMode mode, Action<DialogSummary> add, CancellationToken cancellationToken)
    {
        DialogCursor? cursor = null;
        var read = 0;
        do
        {
            var page = await directory.List(AccountId, new DialogQuery(Mode: mode, Cursor: cursor, Limit: RebuildPage), cancellationToken);
            foreach (var d in page.Items)
            {
                add(d);
            }
            read += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null && read < RebuildMax);
    }

    public async Task Online(Guid operatorId, Guid connection)
    {
        if (!_online.TryGetValue(operatorId, out var connections))
        {
            _online[operatorId] = connections = [];
            _onlineSince[operatorId] = time.GetUtcNow();
        }
        connections[connection] = time.GetUtcNow();
        await Offer();
    }

    public Task Offline(Guid operatorId, Guid connection)
    {
        if (_online.TryGetValue(operatorId, out var connections) && connections.Remove(connection) && connections.Count == 0)
        {
            _online.Remove(operatorId);
            _onlineSince.Remove(operatorId);
        }
        return Offer(); // what was offered to them goes to someone else
    }

    public Task DialogChanged(Guid dialogId, DialogMode mode, Guid? operatorId)
    {
        switch (mode)
        {
            case DialogMode.Waiting:
                _held.Remove(dialogId);
                _queue.TryAdd(dialogId, new WaitingDialog(dialogId, time.GetUtcNow()));
                break;
            case DialogMode.Operator when operatorId is { } op:
                _queue.Remove(dialogId);
                _held[dialogId] = op;
                break;
            default:
                _queue.Remove(dialogId);
                _held.Remove(dialogId);
                break;
        }
        return Offer();
    }

    public Task<DeskView> View() => Task.FromResult(new DeskView(
        _queue.Values.OrderBy(d => d.Since).Select(d => new QueuedDialog(d.Id, d.Since, d.OfferedTo, d.OfferedAt)).ToArray(),
        _online.Keys.Select(op => new OperatorPresence(op, Load(op), _options.OperatorLimit, _onlineSince[op])).OrderBy(p => p.Dialogs).ToArray()));

    private int Load(Guid operatorId) => _held.Values.Count(op => op == operatorId);

    private Task Check()
    {
        var stale = time.GetUtcNow() - _options.PresenceTimeout;
        foreach (var (op, connections) in _online.ToArray())
        {
            foreach (var (connection, seen) in connections.ToArray())
            {
                if (seen < stale)
                {
                    connections.Remove(connection); // its API node went away without saying so
                }
            }
            if (connections.Count == 0)
            {
                _online.Remove(op);
                _onlineSince.Remove(op);
            }
        }
        return _queue.Count > 0 ? Offer() : Task.CompletedTask;
    }

    private async Task Offer()
    {
        if (_queue.Count == 0)
        {
            return;
        }
        var loads = _online.Keys.ToDictionary(op => op, Load);
        foreach (var (dialogId, operatorId) in OfferPolicy.Next(_queue.Values, loads, _options.OperatorLimit, _options.OfferTimeout, time.GetUtcNow()))
        {
            LogOffered(dialogId, operatorId);
            _feed ??= this.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, AccountId));
            try
            {
                await _feed.OnNextAsync(new DialogEvent(0, dialogId, AccountId, DeskEventKinds.Offered, null, DialogMode.Waiting, null, operatorId));
            }
            catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
            {
                LogNotPublished(dialogId, Errors.Describe(ex)); // the queue is also read through the desk's view
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dialog {DialogId} offered to operator {OperatorId}")]
    private partial void LogOffered(Guid dialogId, Guid operatorId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The offer of dialog {DialogId} was not published: {Error}")]
    private partial void LogNotPublished(Guid dialogId, string error);
}
