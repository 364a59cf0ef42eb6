using Npgsql;
using ReplyX.Accounts;
using ReplyX.Billing;
using ReplyX.Dialogs;

namespace ReplyX.Analytics;

/// <summary>Accounts and users that joined on one day (platform-wide).</summary>
public sealed record JoinCount(DateOnly Day, long Accounts, long Users);

/// <summary>Dialogs opened on one day by one assistant on one channel.</summary>
public sealed record DialogCount(DateOnly Day, Guid AssistantId, string Channel, long Count);

/// <summary>Messages written on one day in one assistant's dialogs on one channel, by one kind of author.</summary>
public sealed record MessageCount(DateOnly Day, Guid AssistantId, string Channel, MessageAuthor Author, long Count);

/// <summary>The sum of one kind of ledger movement on one day (micro-roubles, signed as in the ledger).</summary>
public sealed record MoneyCount(DateOnly Day, LedgerKind Kind, long Amount);

/// <summary>
/// Counts over the domain tables for the dashboards, per UTC day; <c>account</c> null is the whole platform.
/// <c>to</c> is inclusive. Read-only: nothing here is on the message path.
/// </summary>
public interface IAnalyticsStore
{
    Task<PlatformTotals> Totals(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<JoinCount>> Joins(DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DialogCount>> Dialogs(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MessageCount>> Messages(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<MoneyCount>> Money(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default's analytics: the same counts, read from the in-memory stores under their locks.</summary>
public sealed class InMemoryAnalyticsStore(InMemoryAccountStore accounts, InMemoryDialogStore dialogs, InMemoryBillingStore billing) : IAnalyticsStore
{
    private static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    private static bool Within(DateTimeOffset at, DateOnly from, DateOnly to) => Day(at) is var d && d >= from && d <= to;

    public Task<PlatformTotals> Totals(CancellationToken cancellationToken = default)
    {
        var (accountCount, userCount) = accounts.Read((a, u) => ((long)a.Count, (long)u.Count));
        var (dialogCount, messageCount) = dialogs.Read((d, m) => ((long)d.Count, m.Values.Sum(x => (long)x.Count)));
        return Task.FromResult(new PlatformTotals(accountCount, userCount, dialogCount, messageCount));
    }

    public Task<IReadOnlyList<JoinCount>> Joins(DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Task.FromResult(accounts.Read<IReadOnlyList<JoinCount>>((a, u) =>
        {
            var accountsPerDay = a.Where(x => Within(x.CreatedAt, from, to)).GroupBy(x => Day(x.CreatedAt)).ToDictionary(g => g.Key, g => (long)g.Count());
            var usersPerDay = u.Where(x => Within(x.CreatedAt, from, to)).GroupBy(x => Day(x.CreatedAt)).ToDictionary(g => g.Key, g => (long)g.Count());
            return accountsPerDay.Keys.Union(usersPerDay.Keys).Order()
                .Select(d => new JoinCount(d, accountsPerDay.GetValueOrDefault(d), usersPerDay.GetValueOrDefault(d))).ToArray();
        }));

    public Task<IReadOnlyList<DialogCount>> Dialogs(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Task.FromResult(dialogs.Read<IReadOnlyList<DialogCount>>((d, _) => d.Values
            .Where(x => (account is null || x.AccountId == account) && Within(x.CreatedAt, from, to))
            .GroupBy(x => (Day: Day(x.CreatedAt), x.AssistantId, x.Channel))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.AssistantId).ThenBy(g => g.Key.Channel, StringComparer.Ordinal)
            .Select(g => new DialogCount(g.Key.Day, g.Key.AssistantId, g.Key.Channel, g.Count())).ToArray()));

    public Task<IReadOnlyList<MessageCount>> Messages(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Task.FromResult(dialogs.Read<IReadOnlyList<MessageCount>>((d, m) => d.Values
            .Where(x => account is null || x.AccountId == account)
            .SelectMany(x => (m.GetValueOrDefault(x.Id)?.Values ?? []).Where(msg => Within(msg.At, from, to)).Select(msg => (Dialog: x, Message: msg)))
            .GroupBy(x => (Day: Day(x.Message.At), x.Dialog.AssistantId, x.Dialog.Channel, x.Message.Author))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.AssistantId).ThenBy(g => g.Key.Channel, StringComparer.Ordinal).ThenBy(g => g.Key.Author)
            .Select(g => new MessageCount(g.Key.Day, g.Key.AssistantId, g.Key.Channel, g.Key.Author, g.Count())).ToArray()));

    public Task<IReadOnlyList<MoneyCount>> Money(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Task.FromResult(billing.Read<IReadOnlyList<MoneyCount>>(ledger => ledger
            .Where(x => account is null || x.Key == account)
            .SelectMany(x => x.Value)
            .Where(e => Within(e.At, from, to))
            .GroupBy(e => (Day: Day(e.At), e.Kind))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Kind)
            .Select(g => new MoneyCount(g.Key.Day, g.Key.Kind, g.Sum(e => e.Amount))).ToArray()));
}

/// <summary>The counts on PostgreSQL: one grouped query each, bounded by the day range.</summary>
public sealed class PostgresAnalyticsStore(NpgsqlDataSource dataSource) : IAnalyticsStore
{
    private static DateTimeOffset Start(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static DateOnly ReadDay(NpgsqlDataReader r, int i) => DateOnly.FromDateTime(r.GetDateTime(i));

    public async Task<PlatformTotals> Totals(CancellationToken cancellationToken = default)
    {
        // Exact counts of accounts and users; dialogs and messages from the planner's estimate once they are large,
        // so the overview never scans a message table of millions of rows.
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM accounts), (SELECT count(*) FROM users),
                   (SELECT count(*) FROM dialogs),
                   (SELECT CASE WHEN c.reltuples > 1000000 THEN c.reltuples::bigint ELSE (SELECT count(*) FROM dialog_messages) END
                      FROM pg_class c WHERE c.oid = 'dialog_messages'::regclass)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new PlatformTotals(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public async Task<IReadOnlyList<JoinCount>> Joins(DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT day, sum(a), sum(u) FROM (
              SELECT (created_at AT TIME ZONE 'UTC')::date AS day, 1 AS a, 0 AS u FROM accounts WHERE created_at >= @from AND created_at < @to
              UNION ALL
              SELECT (created_at AT TIME ZONE 'UTC')::date, 0, 1 FROM users WHERE created_at >= @from AND created_at < @to
            ) joined GROUP BY day ORDER BY day
            """);
        Range(command, from, to);
        var rows = new List<JoinCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new JoinCount(ReadDay(reader, 0), reader.GetInt64(1), reader.GetInt64(2)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<DialogCount>> Dialogs(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (created_at AT TIME ZONE 'UTC')::date, assistant_id, channel, count(*)
            FROM dialogs WHERE (@account::uuid IS NULL OR account_id = @account) AND created_at >= @from AND created_at < @to
            GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
            """);
        Range(command, from, to, account);
        var rows = new List<DialogCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new DialogCount(ReadDay(reader, 0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<MessageCount>> Messages(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (m.at AT TIME ZONE 'UTC')::date, d.assistant_id, d.channel, m.author, count(*)
            FROM dialog_messages m JOIN dialogs d ON d.id = m.dialog_id
            WHERE (@account::uuid IS NULL OR d.account_id = @account) AND m.at >= @from AND m.at < @to
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            """);
        Range(command, from, to, account);
        var rows = new List<MessageCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new MessageCount(ReadDay(reader, 0), reader.GetGuid(1), reader.GetString(2), DialogNames.Author(reader.GetString(3)), reader.GetInt64(4)));
        }
        return rows;
    }

    public async Task<IReadOnlyList<MoneyCount>> Money(Guid? account, DateOnly from, DateOnly to, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (at AT TIME ZONE 'UTC')::date, kind, sum(amount)::bigint
            FROM balance_transactions WHERE (@account::uuid IS NULL OR account_id = @account) AND at >= @from AND at < @to
            GROUP BY 1, 2 ORDER BY 1, 2
            """);
        Range(command, from, to, account);
        var rows = new List<MoneyCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (Enum.TryParse<LedgerKind>(reader.GetString(1), ignoreCase: true, out var kind))
            {
                rows.Add(new MoneyCount(ReadDay(reader, 0), kind, reader.GetInt64(2)));
            }
        }
        return rows;
    }

    private static void Range(NpgsqlCommand command, DateOnly from, DateOnly to, Guid? account = null)
    {
        command.Parameters.AddWithValue("from", Start(from));
        command.Parameters.AddWithValue("to", Start(to.AddDays(1)));
        command.Parameters.Add(new NpgsqlParameter("account", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)account ?? DBNull.Value });
    }
}
