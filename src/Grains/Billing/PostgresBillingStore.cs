using Npgsql;
using NpgsqlTypes;
using ReplyX.Hosting;

namespace ReplyX.Billing;

/// <summary>
/// Balances and the ledger in PostgreSQL (sql/020_billing.sql). A call to <see cref="Apply"/> is one
/// transaction: lock the account's balance row, find the keys seen before, apply <see cref="LedgerRules"/>,
/// insert the new rows and store the balance, so the ledger always sums to the balance whatever dies when.
/// </summary>
public sealed class PostgresBillingStore(NpgsqlDataSource dataSource, TimeProvider time) : IBillingStore
{
    private const string EntryColumns = "id, account_id, amount, kind, service, reference, idempotency_key, balance_after, at, reason";

    public async Task<BalanceRow> Load(Guid accountId, DateOnly today)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT balance, low_threshold, daily_cap, spent_day, spent_on_day FROM account_balances WHERE account_id = @account");
        command.Parameters.AddWithValue("account", accountId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Row(accountId, reader) : BalanceRow.Empty(accountId, today);
    }

    private static BalanceRow Row(Guid accountId, NpgsqlDataReader r) =>
        new(accountId, r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.GetFieldValue<DateOnly>(3), r.GetInt64(4));

    public async Task<IReadOnlyList<MovementResult>> Apply(Guid accountId, IReadOnlyList<Movement> movements, DateTimeOffset at)
    {
        foreach (var m in movements)
        {
            if (LedgerRules.Invalid(m) is { } reason)
            {
                throw new ArgumentException(reason, nameof(movements));
            }
        }
        at = BillingTime.Micro(at);
        var today = BillingTime.Day(time.GetUtcNow());
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        BalanceRow row;
        await using (var lockRow = new NpgsqlCommand("""
            INSERT INTO account_balances (account_id, spent_day) VALUES (@account, @today) ON CONFLICT (account_id) DO NOTHING;
            SELECT balance, low_threshold, daily_cap, spent_day, spent_on_day FROM account_balances WHERE account_id = @account FOR UPDATE;
            """, connection, tx))
        {
            lockRow.Parameters.AddWithValue("account", accountId);
            lockRow.Parameters.AddWithValue("today", today);
            await using var reader = await lockRow.ExecuteReaderAsync();
            await reader.ReadAsync();
            row = Row(accountId, reader);
        }
        var seen = new Dictionary<string, LedgerEntry>(StringComparer.Ordinal);
        await using (var find = new NpgsqlCommand($"SELECT {EntryColumns} FROM balance_transactions WHERE account_id = @account AND idempotency_key = ANY(@keys)",
                         connection, tx))
        {
            find.Parameters.AddWithValue("account", accountId);
            find.AddArray("keys", NpgsqlDbType.Text, movements.Select(m => m.Key).Distinct().ToArray());
            await using var reader = await find.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var entry = Entry(reader);
                seen[entry.Key] = entry;
            }
        }
        var outcome = LedgerRules.Apply(row, movements, seen, at, today, () => 0);
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        if (outcome.NewEntries.Count > 0)
        {
            var e = outcome.NewEntries;
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO balance_transactions (account_id, amount, kind, service, reference, idempotency_key, balance_after, at, reason)
                SELECT @account, u.amount, u.kind, u.service, u.reference, u.key, u.balance_after, @at, u.reason
                FROM unnest(@amount, @kind, @service, @reference, @key, @balance_after, @reason, @ord)
                     AS u(amount, kind, service, reference, key, balance_after, reason, ord)
                ORDER BY u.ord
                RETURNING id, idempotency_key
                """, connection, tx))
            {
                insert.Parameters.AddWithValue("account", accountId);
                insert.Parameters.AddWithValue("at", at);
                insert.AddArray("amount", NpgsqlDbType.Bigint, e.Select(x => x.Amount).ToArray());
                insert.AddArray("kind", NpgsqlDbType.Text, e.Select(x => KindText(x.Kind)).ToArray());
                insert.AddArray("service", NpgsqlDbType.Text, e.Select(x => x.Service).ToArray());
                insert.AddArray("reference", NpgsqlDbType.Text, e.Select(x => x.Reference).ToArray());
                insert.AddArray("key", NpgsqlDbType.Text, e.Select(x => x.Key).ToArray());
                insert.AddArray("balance_after", NpgsqlDbType.Bigint, e.Select(x => x.BalanceAfter).ToArray());
                insert.AddArray("reason", NpgsqlDbType.Text, e.Select(x => x.Reason).ToArray());
                insert.AddArray("ord", NpgsqlDbType.Integer, Enumerable.Range(0, e.Count).ToArray());
                await using var reader = await insert.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    ids[reader.GetString(1)] = reader.GetInt64(0);
                }
            }
            await using var update = new NpgsqlCommand("""
                UPDATE account_balances SET balance = @balance, spent_day = @day, spent_on_day = @spent, updated_at = @at WHERE account_id = @account
                """, connection, tx);
            update.Parameters.AddWithValue("account", accountId);
            update.Parameters.AddWithValue("balance", outcome.Row.Balance);
            update.Parameters.AddWithValue("day", outcome.Row.Day);
            update.Parameters.AddWithValue("spent", outcome.Row.SpentOnDay);
            update.Parameters.AddWithValue("at", at);
            await update.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return outcome.Results
            .Select(r => r.Outcome == MovementOutcome.Applied && r.Entry is { } entry ? r with { Entry = entry with { Id = ids[entry.Key] } } : r)
            .ToList();
    }

    public async Task SaveLimits(Guid accountId, long lowThreshold, long? dailyCap)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO account_balances (account_id, low_threshold, daily_cap, spent_day) VALUES (@account, @low, @cap, @today)
            ON CONFLICT (account_id) DO UPDATE SET low_threshold = excluded.low_threshold, daily_cap = excluded.daily_cap
            """);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("low", lowThreshold);
        command.Parameters.AddWithValue("cap", NpgsqlDbType.Bigint, (object?)dailyCap ?? DBNull.Value);
        command.Parameters.AddWithValue("today", BillingTime.Day(time.GetUtcNow()));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<IReadOnlyList<LedgerEntry>> Ledger(Guid accountId, LedgerQuery q)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {EntryColumns} FROM balance_transactions
            WHERE account_id = @account
              AND (@before::bigint IS NULL OR id < @before::bigint)
              AND (@kind::text IS NULL OR kind = @kind::text)
              AND (@service::text IS NULL OR service = @service::text)
              AND (@from::timestamptz IS NULL OR at >= @from::timestamptz)
              AND (@to::timestamptz IS NULL OR at < @to::timestamptz)
            ORDER BY id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("before", NpgsqlDbType.Bigint, (object?)q.Before ?? DBNull.Value);
        command.Parameters.AddWithValue("kind", NpgsqlDbType.Text, q.Kind is { } k ? KindText(k) : DBNull.Value);
        command.Parameters.AddWithValue("service", NpgsqlDbType.Text, (object?)q.Service ?? DBNull.Value);
        command.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, (object?)q.From ?? DBNull.Value);
        command.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, (object?)q.To ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", Math.Clamp(q.Limit, 1, 1000));
        await using var reader = await command.ExecuteReaderAsync();
        var page = new List<LedgerEntry>();
        while (await reader.ReadAsync())
        {
            page.Add(Entry(reader));
        }
        return page;
    }

    public async Task<IReadOnlyList<DailySpend>> Spend(Guid accountId, DateOnly from, DateOnly to)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (at AT TIME ZONE 'UTC')::date, coalesce(service, ''), -sum(amount), count(*)
            FROM balance_transactions
            WHERE account_id = @account AND kind = 'charge' AND at >= @from AND at < @to
            GROUP BY 1, 2 ORDER BY 1, 2
            """);
        command.Parameters.AddWithValue("account", accountId);
        command.Parameters.AddWithValue("from", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        command.Parameters.AddWithValue("to", new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<DailySpend>();
        while (await reader.ReadAsync())
        {
            rows.Add(new DailySpend(DateOnly.FromDateTime(reader.GetDateTime(0)), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return rows;
    }

    private static LedgerEntry Entry(NpgsqlDataReader r) => new(r.GetInt64(0), r.GetGuid(1), r.GetInt64(2), ParseKind(r.GetString(3)),
        r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), r.GetInt64(7), r.GetFieldValue<DateTimeOffset>(8),
        r.IsDBNull(9) ? null : r.GetString(9));

    private static string KindText(LedgerKind kind) => kind switch
    {
        LedgerKind.TopUp => "topup",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static LedgerKind ParseKind(string text) => text == "topup" ? LedgerKind.TopUp : Enum.Parse<LedgerKind>(text, ignoreCase: true);
}
