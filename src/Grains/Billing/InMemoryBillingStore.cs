namespace ReplyX.Billing;

/// <summary>The embedded default's ledger: the same rules as PostgreSQL's, under one lock.</summary>
public sealed class InMemoryBillingStore(TimeProvider time) : IBillingStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, BalanceRow> _rows = [];
    private readonly Dictionary<Guid, List<LedgerEntry>> _ledger = [];
    private readonly Dictionary<(Guid, string), LedgerEntry> _keys = [];
    private long _nextId;

    /// <summary>A consistent look at every account's ledger, under the store's lock (the in-memory analytics read it).</summary>
    internal T Read<T>(Func<IReadOnlyDictionary<Guid, List<LedgerEntry>>, T> read)
    {
        lock (_gate)
        {
            return read(_ledger);
        }
    }

    public Task<BalanceRow> Load(Guid accountId, DateOnly today)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.GetValueOrDefault(accountId) ?? BalanceRow.Empty(accountId, today));
        }
    }

    public Task<IReadOnlyList<MovementResult>> Apply(Guid accountId, IReadOnlyList<Movement> movements, DateTimeOffset at)
    {
        foreach (var m in movements)
        {
            if (LedgerRules.Invalid(m) is { } reason)
            {
                throw new ArgumentException(reason, nameof(movements));
            }
        }
        at = BillingTime.Micro(at);
        lock (_gate)
        {
            var today = BillingTime.Day(time.GetUtcNow());
            var row = _rows.GetValueOrDefault(accountId) ?? BalanceRow.Empty(accountId, today);
            var seen = movements.Select(m => m.Key).Distinct().Where(k => _keys.ContainsKey((accountId, k))).ToDictionary(k => k, k => _keys[(accountId, k)]);
            var outcome = LedgerRules.Apply(row, movements, seen, at, today, () => ++_nextId);
            _rows[accountId] = outcome.Row;
            if (!_ledger.TryGetValue(accountId, out var entries))
            {
                _ledger[accountId] = entries = [];
            }
            foreach (var entry in outcome.NewEntries)
            {
                entries.Add(entry);
                _keys[(accountId, entry.Key)] = entry;
            }
            return Task.FromResult(outcome.Results);
        }
    }

    public Task SaveLimits(Guid accountId, long lowThreshold, long? dailyCap)
    {
        lock (_gate)
        {
            var row = _rows.GetValueOrDefault(accountId) ?? BalanceRow.Empty(accountId, BillingTime.Day(time.GetUtcNow()));
            _rows[accountId] = row with { LowThreshold = lowThreshold, DailyCap = dailyCap };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LedgerEntry>> Ledger(Guid accountId, LedgerQuery q)
    {
        lock (_gate)
        {
            IReadOnlyList<LedgerEntry> page = (_ledger.GetValueOrDefault(accountId) ?? [])
                .Where(e => q.Before is null || e.Id < q.Before)
                .Where(e => q.Kind is null || e.Kind == q.Kind)
                .Where(e => q.Service is null || e.Service == q.Service)
                .Where(e => q.From is null || e.At >= q.From)
                .Where(e => q.To is null || e.At < q.To)
                .OrderByDescending(e => e.Id)
                .Take(Math.Clamp(q.Limit, 1, 1000))
                .ToList();
            return Task.FromResult(page);
        }
    }

    public Task<IReadOnlyList<DailySpend>> Spend(Guid accountId, DateOnly from, DateOnly to)
    {
        lock (_gate)
        {
            IReadOnlyList<DailySpend> rows = (_ledger.GetValueOrDefault(accountId) ?? [])
                .Where(e => e.Kind == LedgerKind.Charge && BillingTime.Day(e.At) is var d && d >= from && d <= to)
                .GroupBy(e => (Day: BillingTime.Day(e.At), Service: e.Service ?? ""))
                .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Service, StringComparer.Ordinal)
                .Select(g => new DailySpend(g.Key.Day, g.Key.Service, -g.Sum(e => e.Amount), g.Count()))
                .ToList();
            return Task.FromResult(rows);
        }
    }
}
