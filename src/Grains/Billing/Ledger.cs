namespace ReplyX.Billing;

/// <summary>An account's balance row: what the ledger sums to, its limits, and what was charged on <see cref="Day"/>.</summary>
public sealed record BalanceRow(Guid AccountId, long Balance, long LowThreshold, long? DailyCap, DateOnly Day, long SpentOnDay)
{
    public static BalanceRow Empty(Guid accountId, DateOnly day) => new(accountId, 0, 0, null, day, 0);

    /// <summary>What was charged today (nothing yet when the row's day is an earlier one).</summary>
    public long SpentToday(DateOnly today) => Day == today ? SpentOnDay : 0;
}

/// <summary>
/// The rules of applying movements to a balance, the same for every store (which runs them inside its own
/// transaction or lock): a key seen before returns its first entry and changes nothing, a debit beyond the
/// balance is refused unless it may overdraw, a charge beyond today's cap is refused, and each applied
/// movement's entry records the balance it left.
/// </summary>
public static class LedgerRules
{
    public sealed record Outcome(BalanceRow Row, IReadOnlyList<MovementResult> Results, IReadOnlyList<LedgerEntry> NewEntries);

    /// <param name="seen">Entries already in the ledger for some of the movements' keys.</param>
    /// <param name="nextId">Gives each new entry its id (the store's sequence).</param>
    public static Outcome Apply(BalanceRow row, IReadOnlyList<Movement> movements, IReadOnlyDictionary<string, LedgerEntry> seen, DateTimeOffset at, DateOnly today,
        Func<long> nextId)
    {
        var balance = row.Balance;
        var spent = row.SpentToday(today);
        var results = new List<MovementResult>(movements.Count);
        var added = new List<LedgerEntry>();
        var inBatch = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        foreach (var m in movements)
        {
            if (seen.TryGetValue(m.Key, out var first) || inBatch.TryGetValue(m.Key, out first))
            {
                results.Add(new MovementResult(MovementOutcome.Duplicate, balance, first));
                continue;
            }
            var charge = m.Kind == LedgerKind.Charge ? -m.Amount : 0;
            if (m.Amount < 0 && balance + m.Amount < 0 && !m.MayOverdraw)
            {
                results.Add(new MovementResult(MovementOutcome.Insufficient, balance, null));
                continue;
            }
            if (charge > 0 && row.DailyCap is { } cap && spent + charge > cap && !m.MayOverdraw)
            {
                results.Add(new MovementResult(MovementOutcome.CapReached, balance, null));
                continue;
            }
            balance += m.Amount;
            spent += Math.Max(0, charge);
            var entry = new LedgerEntry(nextId(), row.AccountId, m.Amount, m.Kind, m.Service, m.Reference, m.Key, balance, at, m.Reason);
            inBatch[m.Key] = entry;
            added.Add(entry);
            results.Add(new MovementResult(MovementOutcome.Applied, balance, entry));
        }
        return new Outcome(row with { Balance = balance, Day = today, SpentOnDay = spent }, results, added);
    }

    /// <summary>Refuses what no store should write: an empty or overlong key, a zero or absurd amount, a charge that credits.</summary>
    public static string? Invalid(Movement m) =>
        string.IsNullOrWhiteSpace(m.Key) || m.Key.Length > 200 ? "an idempotency key of 1 to 200 characters is required"
        : m.Amount == 0 ? "the amount must not be zero"
        : Math.Abs(m.Amount) > Money.MaxAmount ? "the amount is too large"
        : m.Kind is LedgerKind.Charge or LedgerKind.Refund && m.Amount > 0 ? $"a {m.Kind} must be negative"
        : m.Kind is LedgerKind.TopUp or LedgerKind.Promo or LedgerKind.Referral or LedgerKind.Welcome && m.Amount < 0 ? $"a {m.Kind} must be positive"
        : m.Kind == LedgerKind.Adjustment && string.IsNullOrWhiteSpace(m.Reason) ? "an adjustment needs a reason"
        : null;
}

/// <summary>Balances and their ledger (sql/020_billing.sql). <see cref="Apply"/> is atomic: every movement of a call, or none.</summary>
public interface IBillingStore
{
    Task<BalanceRow> Load(Guid accountId, DateOnly today);

    Task<IReadOnlyList<MovementResult>> Apply(Guid accountId, IReadOnlyList<Movement> movements, DateTimeOffset at);

    Task SaveLimits(Guid accountId, long lowThreshold, long? dailyCap);

    Task<IReadOnlyList<LedgerEntry>> Ledger(Guid accountId, LedgerQuery query);

    Task<IReadOnlyList<DailySpend>> Spend(Guid accountId, DateOnly from, DateOnly to);
}

public static class BillingTime
{
    public static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    /// <summary>Microseconds, as PostgreSQL keeps them, so both stores return the same instants.</summary>
    public static DateTimeOffset Micro(DateTimeOffset at) => new(at.UtcTicks / 10 * 10, TimeSpan.Zero);
}
