using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;
using ReplyX.Dialogs;
using ReplyX.Hosting;

namespace ReplyX.Billing;

/// <summary>
/// The single writer of one account's balance. It holds the balance row in memory (so "may this be spent?"
/// costs no round trip) and writes movements through <see cref="IBillingStore"/>: the ones that arrive while
/// a write is in flight go together in the next transaction (group commit), so a hot account pays one commit
/// per batch, not per charge. A movement's caller gets its result only once it is durable.
/// </summary>
[GrainType("balance"), Reentrant]
public sealed partial class BalanceGrain(IBillingStore store, IOptions<BillingOptions> options, TimeProvider time, ILogger<BalanceGrain> logger)
    : Grain, IBalanceGrain
{
    /// <summary>Ledger transactions written and the movements they carried, by outcome (the ratio is group commit's gain).</summary>
    public static readonly Prometheus.Counter Transactions = Prometheus.Metrics.CreateCounter("replyx_balance_transactions_total", "Ledger transactions written by balance grains.");
    public static readonly Prometheus.Counter Movements = Prometheus.Metrics.CreateCounter("replyx_balance_movements_total",
        "Balance movements by kind and outcome.", "kind", "outcome");

    private BalanceRow _row = null!;
    private readonly List<Queued> _queue = [];
    private Task? _writing;
    private readonly Dictionary<string, (long Amount, DateTimeOffset Until)> _holds = new(StringComparer.Ordinal);
    private DateTimeOffset _lowSentAt = DateTimeOffset.MinValue;
    // Running sums, so that "may this be spent?" costs the same with thousands of holds and queued movements.
    private long _held;
    private long _queuedUnheld;
    private DateTimeOffset _nextExpiry = DateTimeOffset.MaxValue;

    /// <summary>A movement waiting to be written; <paramref name="Unheld"/>: the debit counted in <see cref="_queuedUnheld"/>.</summary>
    private sealed record Queued(Movement Movement, TaskCompletionSource<MovementResult> Done, long Unheld);

    /// <summary>How long a hold lives without its movement (a dialog that died mid-call).</summary>
    public static readonly TimeSpan HoldLifetime = TimeSpan.FromMinutes(5);

    private Guid Id => this.GetPrimaryKey();

    private DateOnly Today => BillingTime.Day(time.GetUtcNow());

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => _row = await store.Load(Id, Today);

    public Task<BalanceSnapshot> Get() => Task.FromResult(Snapshot());

    private BalanceSnapshot Snapshot() => new(_row.Balance, _row.LowThreshold, _row.DailyCap, _row.SpentToday(Today), options.Value.Enabled);

    public Task<bool> CanSpend(long amount) => Task.FromResult(Covers(amount));

    /// <summary>Whether the balance (less what is queued and held) and today's cap leave room for <paramref name="amount"/>.</summary>
    private bool Covers(long amount)
    {
        if (!options.Value.Enabled || amount <= 0)
        {
            return true;
        }
        ExpireHolds();
        // What is queued but not written yet, and what is held, count as spent already.
        var committed = _queuedUnheld + _held;
        var withinCap = _row.DailyCap is not { } cap || _row.SpentToday(Today) + committed + amount <= cap;
        return _row.Balance - committed >= amount && withinCap;
    }

    private void ExpireHolds()
    {
        var now = time.GetUtcNow();
        if (now < _nextExpiry)
        {
            return;
        }
        _nextExpiry = DateTimeOffset.MaxValue;
        foreach (var (key, hold) in _holds.ToList())
        {
            if (hold.Until <= now)
            {
                RemoveHold(key);
            }
            else if (hold.Until < _nextExpiry)
            {
                _nextExpiry = hold.Until;
            }
        }
    }

    private void RemoveHold(string key)
    {
        if (_holds.Remove(key, out var hold))
        {
            _held -= hold.Amount;
        }
    }

    public async Task<bool> Reserve(string key, long amount)
    {
        if (TryHold(key, amount))
        {
            return true;
        }
        await RefusedHold();
        return false;
    }

    public async Task<IReadOnlyList<bool>> ReserveMany(IReadOnlyList<Hold> holds)
    {
        var results = new bool[holds.Count];
        for (var i = 0; i < holds.Count; i++)
        {
            results[i] = TryHold(holds[i].Key, holds[i].Amount);
        }
        if (Array.IndexOf(results, false) >= 0)
        {
            await RefusedHold();
        }
        return results;
    }

    private bool TryHold(string key, long amount)
    {
        if (!options.Value.Enabled || amount <= 0 || _holds.ContainsKey(key))
        {
            return true;
        }
        if (!Covers(amount))
        {
            return false;
        }
        var until = time.GetUtcNow() + HoldLifetime;
        _holds[key] = (amount, until);
        _held += amount;
        if (until < _nextExpiry)
        {
            _nextExpiry = until;
        }
        return true;
    }

    /// <summary>The owner hears of refused work (at most once a minute): customers are being refused.</summary>
    private async Task RefusedHold()
    {
        if (time.GetUtcNow() - _lowSentAt >= TimeSpan.FromMinutes(1))
        {
            _lowSentAt = time.GetUtcNow();
            await PublishLow();
        }
    }

    public Task Release(string key)
    {
        RemoveHold(key);
        return Task.CompletedTask;
    }

    public Task<MovementResult> Apply(Movement movement)
    {
        if (LedgerRules.Invalid(movement) is { } reason)
        {
            throw new ArgumentException(reason, nameof(movement));
        }
        var task = Enqueue(movement);
        StartWriting();
        return task;
    }

    public async Task<IReadOnlyList<MovementResult>> ApplyMany(IReadOnlyList<Movement> movements)
    {
        foreach (var movement in movements)
        {
            if (LedgerRules.Invalid(movement) is { } reason)
            {
                throw new ArgumentException(reason, nameof(movements));
            }
        }
        var tasks = new Task<MovementResult>[movements.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = Enqueue(movements[i]);
        }
        StartWriting();
        return await Task.WhenAll(tasks);
    }

    private Task<MovementResult> Enqueue(Movement movement)
    {
        var done = new TaskCompletionSource<MovementResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var unheld = movement.Amount < 0 && !_holds.ContainsKey(movement.Key) ? -movement.Amount : 0;
        _queuedUnheld += unheld;
        _queue.Add(new Queued(movement, done, unheld));
        return done.Task;
    }

    private void StartWriting()
    {
        if (_writing is null or { IsCompleted: true })
        {
            _writing = Write();
        }
    }

    public async Task<BalanceSnapshot> SetLimits(long lowThreshold, long? dailyCap)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lowThreshold);
        if (dailyCap is { } cap)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(cap);
        }
        await store.SaveLimits(Id, lowThreshold, dailyCap);
        _row = _row with { LowThreshold = lowThreshold, DailyCap = dailyCap };
        return Snapshot();
    }

    /// <summary>Writes the queue in batches until it is empty; each batch is one transaction.</summary>
    private async Task Write()
    {
        while (_queue.Count > 0)
        {
            var batch = _queue.GetRange(0, Math.Min(_queue.Count, options.Value.MaxBatch));
            _queue.RemoveRange(0, batch.Count);
            batch.ForEach(b => _queuedUnheld -= b.Unheld);
            var before = _row.Balance;
            try
            {
                var results = await store.Apply(Id, batch.ConvertAll(b => b.Movement), time.GetUtcNow());
                Advance(results);
                Transactions.Inc();
                for (var i = 0; i < batch.Count; i++)
                {
                    Movements.WithLabels(batch[i].Movement.Kind.ToString(), results[i].Outcome.ToString()).Inc();
                }
                batch.ForEach(b => RemoveHold(b.Movement.Key)); // written (or refused): its hold has done its job
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                // Nothing of the batch was written (one transaction): every caller learns it, and the row is read
                // again in case the failure came after the commit (a lost connection on the reply).
                LogWriteFailed(Id, batch.Count, Errors.Describe(ex));
                foreach (var queued in batch)
                {
                    queued.Done.TrySetException(ex);
                }
                await Reload();
                continue;
            }
            if (before >= _row.LowThreshold && _row.Balance < _row.LowThreshold && _row.LowThreshold > 0)
            {
                _lowSentAt = time.GetUtcNow();
                await PublishLow();
            }
        }
    }

    private void Advance(IReadOnlyList<MovementResult> results)
    {
        var today = Today;
        var spent = _row.SpentToday(today);
        var balance = _row.Balance;
        foreach (var r in results)
        {
            if (r.Outcome == MovementOutcome.Applied && r.Entry is { } e)
            {
                balance = e.BalanceAfter;
                spent += e.Kind == LedgerKind.Charge ? -e.Amount : 0;
            }
        }
        _row = _row with { Balance = balance, Day = today, SpentOnDay = spent };
    }

    private async Task Reload()
    {
        try
        {
            _row = await store.Load(Id, Today);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogWriteFailed(Id, 0, "reloading the balance failed too: " + Errors.Describe(ex));
            DeactivateOnIdle(); // the next call reads it afresh
        }
    }

    private async Task PublishLow()
    {
        try
        {
            var evt = new DialogEvent(0, Id, Id, DialogEventKinds.BalanceLow, null, null, Money.Format(_row.Balance), null, Money.Format(_row.LowThreshold));
            await this.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, Id)).OnNextAsync(evt);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
        {
            LogNotPublished(Id, Errors.Describe(ex)); // a notification only: the balance page reads the grain
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Balance of account {AccountId}: writing {Count} movements failed, none applied: {Error}")]
    private partial void LogWriteFailed(Guid accountId, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Balance of account {AccountId}: the low-balance event was not published: {Error}")]
    private partial void LogNotPublished(Guid accountId, string error);
}
