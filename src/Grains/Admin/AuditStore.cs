using Npgsql;

namespace ReplyX.Admin;

/// <summary>The append-only audit log (<c>sql/006_audit_log.sql</c>).</summary>
public interface IAuditStore
{
    Task Append(AuditRecord record, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditRecord>> Query(AuditQuery query, CancellationToken cancellationToken = default);
}

internal static class AuditLimits
{
    public const int MaxPage = 500;

    public static string? Clip(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    public static AuditRecord Normalize(AuditRecord r) => r with
    {
        // Microsecond precision, as PostgreSQL stores it, so both stores page alike.
        At = new DateTimeOffset(r.At.UtcTicks / 10 * 10, TimeSpan.Zero),
        Action = Clip(r.Action, 64)!,
        Target = Clip(r.Target, 320),
        Ip = Clip(r.Ip, 64),
        UserAgent = Clip(r.UserAgent, 512),
        Details = Clip(r.Details, 2000),
    };
}

public sealed class InMemoryAuditStore : IAuditStore
{
    private readonly Lock _gate = new();
    private readonly List<AuditRecord> _records = [];

    public Task Append(AuditRecord record, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_records.All(r => r.Id != record.Id))
            {
                _records.Add(AuditLimits.Normalize(record));
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditRecord>> Query(AuditQuery q, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(q.Limit, 1, AuditLimits.MaxPage);
        lock (_gate)
        {
            IReadOnlyList<AuditRecord> page = _records
                .Where(r => q.Action is null || r.Action == q.Action)
                .Where(r => q.ActorUserId is null || r.ActorUserId == q.ActorUserId)
                .Where(r => q.AccountId is null || r.AccountId == q.AccountId)
                .Where(r => q.From is null || r.At >= q.From)
                .Where(r => q.To is null || r.At < q.To)
                .Where(r => q.Before is null || r.At < q.Before.At || (r.At == q.Before.At && string.CompareOrdinal(r.Id.ToString("N"), q.Before.Id.ToString("N")) < 0))
                .OrderByDescending(r => r.At).ThenByDescending(r => r.Id.ToString("N"), StringComparer.Ordinal)
                .Take(limit)
                .ToArray();
            return Task.FromResult(page);
        }
    }
}

public sealed class PostgresAuditStore(NpgsqlDataSource dataSource) : IAuditStore
{
    public async Task Append(AuditRecord record, CancellationToken cancellationToken = default)
    {
        var r = AuditLimits.Normalize(record);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO audit_log (id, at, action, actor_user_id, account_id, target, ip, user_agent, details)
            VALUES (@id, @at, @action, @actor, @account, @target, @ip, @agent, @details)
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.AddWithValue("id", r.Id);
        command.Parameters.AddWithValue("at", r.At);
        command.Parameters.AddWithValue("action", r.Action);
        command.Parameters.AddWithValue("actor", (object?)r.ActorUserId ?? DBNull.Value);
        command.Parameters.AddWithValue("account", (object?)r.AccountId ?? DBNull.Value);
        command.Parameters.AddWithValue("target", (object?)r.Target ?? DBNull.Value);
        command.Parameters.AddWithValue("ip", (object?)r.Ip ?? DBNull.Value);
        command.Parameters.AddWithValue("agent", (object?)r.UserAgent ?? DBNull.Value);
        command.Parameters.AddWithValue("details", (object?)r.Details ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditRecord>> Query(AuditQuery q, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, at, action, actor_user_id, account_id, target, ip, user_agent, details FROM audit_log
            WHERE (@action::text IS NULL OR action = @action::text)
              AND (@actor::uuid IS NULL OR actor_user_id = @actor::uuid)
              AND (@account::uuid IS NULL OR account_id = @account::uuid)
              AND (@from::timestamptz IS NULL OR at >= @from::timestamptz)
              AND (@to::timestamptz IS NULL OR at < @to::timestamptz)
              AND (@beforeAt::timestamptz IS NULL OR (at, id) < (@beforeAt::timestamptz, @beforeId::uuid))
            ORDER BY at DESC, id DESC
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("action", NpgsqlTypes.NpgsqlDbType.Text, (object?)q.Action ?? DBNull.Value);
        command.Parameters.AddWithValue("actor", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)q.ActorUserId ?? DBNull.Value);
        command.Parameters.AddWithValue("account", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)q.AccountId ?? DBNull.Value);
        command.Parameters.AddWithValue("from", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)q.From?.ToUniversalTime() ?? DBNull.Value);
        command.Parameters.AddWithValue("to", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)q.To?.ToUniversalTime() ?? DBNull.Value);
        command.Parameters.AddWithValue("beforeAt", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)q.Before?.At.ToUniversalTime() ?? DBNull.Value);
        command.Parameters.AddWithValue("beforeId", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)q.Before?.Id ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", Math.Clamp(q.Limit, 1, AuditLimits.MaxPage));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<AuditRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new AuditRecord(
                reader.GetGuid(0),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return records;
    }
}
