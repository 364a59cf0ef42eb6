using Npgsql;
using ReplyX.Hosting;

namespace ReplyX.Ai;

/// <summary>A key as stored: <see cref="EncryptedKey"/> is "hint|protected secret" (Data Protection output has no '|').</summary>
public sealed record StoredAiToken(AiTokenSettings Settings, string EncryptedKey)
{
    public string ProtectedSecret => EncryptedKey[(EncryptedKey.LastIndexOf('|') + 1)..];

    public string Hint => EncryptedKey.LastIndexOf('|') is var i and > 0 ? EncryptedKey[..i] : "…";
}

/// <summary>Provider keys (<c>ai_tokens</c>).</summary>
public interface IAiTokenStore
{
    Task Save(AiTokenSettings settings, string? encryptedKey, CancellationToken cancellationToken = default);

    Task<bool> Remove(Guid id, CancellationToken cancellationToken = default);

    Task<StoredAiToken?> Get(Guid id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<StoredAiToken>> List(CancellationToken cancellationToken = default);
}

/// <param name="Estimated">The token counts are an estimate (<see cref="AiTokenEstimator"/>): the provider reported no usage.</param>
public sealed record AiUsageRecord(
    Guid Id, DateTimeOffset At, Guid? AccountId, Guid? TokenId, AiProviderKind Provider, string Model,
    int PromptTokens, int CompletionTokens, int LatencyMs, AiCallOutcome Outcome, bool Estimated = false, AiCallPurpose Purpose = AiCallPurpose.Chat);

/// <summary>What a call was for: billing prices a chat answer and an embedding differently.</summary>
public enum AiCallPurpose
{
    Chat,
    Embedding,
}

/// <param name="EstimatedCalls">Calls whose token counts are an estimate (the provider reported no usage).</param>
/// <param name="EmbeddingTokens">The part of <see cref="PromptTokens"/> spent on embeddings (documents and questions).</param>
public sealed record AiUsageDaily(DateOnly Day, Guid? Key, long Calls, long Failures, long PromptTokens, long CompletionTokens, long EstimatedCalls = 0,
    long EmbeddingTokens = 0);

/// <summary>Every AI call (<c>ai_usage</c>) and its daily totals per account or per key.</summary>
public interface IAiUsageStore
{
    Task Record(AiUsageRecord record, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AiUsageDaily>> DailyByAccount(Guid? accountId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AiUsageDaily>> DailyByToken(Guid? tokenId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default);
}

public sealed class InMemoryAiTokenStore : IAiTokenStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, StoredAiToken> _tokens = [];

    public Task Save(AiTokenSettings settings, string? encryptedKey, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var key = encryptedKey ?? (_tokens.TryGetValue(settings.Id, out var existing)
                ? existing.EncryptedKey
                : throw new ArgumentException("A new key needs its secret.", nameof(encryptedKey)));
            _tokens[settings.Id] = new StoredAiToken(settings, key);
        }
        return Task.CompletedTask;
    }

    public Task<bool> Remove(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_tokens.Remove(id));
        }
    }

    public Task<StoredAiToken?> Get(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_tokens.GetValueOrDefault(id));
        }
    }

    public Task<IReadOnlyList<StoredAiToken>> List(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<StoredAiToken> all = _tokens.Values.OrderBy(t => t.Settings.Priority).ThenBy(t => t.Settings.Id).ToArray();
            return Task.FromResult(all);
        }
    }
}

public sealed class InMemoryAiUsageStore : IAiUsageStore
{
    private readonly Lock _gate = new();
    private readonly List<AiUsageRecord> _records = [];
    private readonly HashSet<Guid> _ids = [];

    /// <summary>Idempotent by the record's id, as <c>ai_usage</c>'s primary key makes it on PostgreSQL.</summary>
    public Task Record(AiUsageRecord record, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_ids.Add(record.Id))
            {
                _records.Add(record);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AiUsageDaily>> DailyByAccount(Guid? accountId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Daily(r => r.AccountId, accountId, from, to);

    public Task<IReadOnlyList<AiUsageDaily>> DailyByToken(Guid? tokenId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Daily(r => r.TokenId, tokenId, from, to);

    private Task<IReadOnlyList<AiUsageDaily>> Daily(Func<AiUsageRecord, Guid?> key, Guid? filter, DateOnly from, DateOnly to)
    {
        lock (_gate)
        {
            IReadOnlyList<AiUsageDaily> rows = _records
                .Where(r => (filter is null || key(r) == filter) && DateOnly.FromDateTime(r.At.UtcDateTime) is var d && d >= from && d <= to)
                .GroupBy(r => (Day: DateOnly.FromDateTime(r.At.UtcDateTime), Key: key(r)))
                .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Key)
                .Select(g => new AiUsageDaily(g.Key.Day, g.Key.Key, g.Count(), g.Count(r => r.Outcome != AiCallOutcome.Success),
                    g.Sum(r => (long)r.PromptTokens), g.Sum(r => (long)r.CompletionTokens), g.Count(r => r.Estimated),
                    g.Where(r => r.Purpose == AiCallPurpose.Embedding).Sum(r => (long)r.PromptTokens)))
                .ToArray();
            return Task.FromResult(rows);
        }
    }
}

public sealed class PostgresAiTokenStore(NpgsqlDataSource dataSource) : IAiTokenStore
{
    private const string Columns = "id, provider, base_url, models, priority, rpm, tokens_per_day, enabled, folder_id, scope, proxy_url, auth_url, encrypted_key";

    public async Task Save(AiTokenSettings s, string? encryptedKey, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(encryptedKey is null
            ? """
              UPDATE ai_tokens SET provider = @provider, base_url = @baseUrl, models = @models, priority = @priority, rpm = @rpm,
                tokens_per_day = @tpd, enabled = @enabled, folder_id = @folder, scope = @scope, proxy_url = @proxy, auth_url = @auth, updated_at = now()
              WHERE id = @id
              """
            : """
              INSERT INTO ai_tokens (id, provider, base_url, models, priority, rpm, tokens_per_day, enabled, folder_id, scope, proxy_url, auth_url, encrypted_key)
              VALUES (@id, @provider, @baseUrl, @models, @priority, @rpm, @tpd, @enabled, @folder, @scope, @proxy, @auth, @key)
              ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, base_url = excluded.base_url, models = excluded.models,
                priority = excluded.priority, rpm = excluded.rpm, tokens_per_day = excluded.tokens_per_day, enabled = excluded.enabled,
                folder_id = excluded.folder_id, scope = excluded.scope, proxy_url = excluded.proxy_url, auth_url = excluded.auth_url,
                encrypted_key = excluded.encrypted_key, updated_at = now()
              """);
        command.Parameters.AddWithValue("id", s.Id);
        command.Parameters.AddWithValue("provider", AiProviderNames.ToText(s.Provider));
        command.Parameters.AddWithValue("baseUrl", (object?)s.BaseUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("models", s.Models.ToArray());
        command.Parameters.AddWithValue("priority", s.Priority);
        command.Parameters.AddWithValue("rpm", NpgsqlTypes.NpgsqlDbType.Integer, (object?)s.RequestsPerMinute ?? DBNull.Value);
        command.Parameters.AddWithValue("tpd", NpgsqlTypes.NpgsqlDbType.Bigint, (object?)s.TokensPerDay ?? DBNull.Value);
        command.Parameters.AddWithValue("enabled", s.Enabled);
        command.Parameters.AddWithValue("folder", (object?)s.FolderId ?? DBNull.Value);
        command.Parameters.AddWithValue("scope", (object?)s.Scope ?? DBNull.Value);
        command.Parameters.AddWithValue("proxy", (object?)s.ProxyUrl ?? DBNull.Value);
        command.Parameters.AddWithValue("auth", (object?)s.AuthUrl ?? DBNull.Value);
        if (encryptedKey is not null)
        {
            command.Parameters.AddWithValue("key", encryptedKey);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<bool> Remove(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM ai_tokens WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<StoredAiToken?> Get(Guid id, CancellationToken cancellationToken = default) =>
        (await Query($"SELECT {Columns} FROM ai_tokens WHERE id = @id", id, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<StoredAiToken>> List(CancellationToken cancellationToken = default) =>
        Query($"SELECT {Columns} FROM ai_tokens ORDER BY priority, id", null, cancellationToken);

    private async Task<IReadOnlyList<StoredAiToken>> Query(string sql, Guid? id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id.Value);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<StoredAiToken>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            list.Add(new StoredAiToken(new AiTokenSettings(
                reader.GetGuid(0), AiProviderNames.Parse(reader.GetString(1)), Text(2), reader.GetFieldValue<string[]>(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.GetBoolean(7),
                Text(8), Text(9), Text(10), Text(11)), reader.GetString(12)));
        }
        return list;
    }
}

public sealed class PostgresAiUsageStore(NpgsqlDataSource dataSource) : IAiUsageStore
{
    private static string PurposeText(AiCallPurpose purpose) => purpose == AiCallPurpose.Embedding ? "embedding" : "chat";

    // One usage row per model call, from every dialog of the silo: group-committed like the dialogs' messages.
    private WriteBatcher<AiUsageRecord, bool>? _batches;

    private WriteBatcher<AiUsageRecord, bool> Batches => _batches ??= new WriteBatcher<AiUsageRecord, bool>("ai_usage", RecordMany, async (r, ct) =>
    {
        await RecordOne(r, ct);
        return true;
    }, maxBatch: 256, writers: 2);

    /// <summary>Idempotent by the record's id; the caller may stop waiting (its token), the row is written anyway.</summary>
    public Task Record(AiUsageRecord r, CancellationToken cancellationToken = default) => Batches.Run(r).WaitAsync(cancellationToken);

    private async Task<IReadOnlyList<bool>> RecordMany(IReadOnlyList<AiUsageRecord> records, CancellationToken cancellationToken)
    {
        var rows = records.OrderBy(r => r.Id).ToArray();
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO ai_usage (id, at, account_id, token_id, provider, model, prompt_tokens, completion_tokens, latency_ms, outcome, tokens_estimated, purpose)
            SELECT * FROM unnest(@id, @at, @account, @token, @provider, @model, @prompt, @completion, @latency, @outcome, @estimated, @purpose)
            ON CONFLICT (id) DO NOTHING
            """);
        command.AddArray("id", NpgsqlTypes.NpgsqlDbType.Uuid, rows.Select(r => r.Id).ToArray());
        command.AddArray("at", NpgsqlTypes.NpgsqlDbType.TimestampTz, rows.Select(r => r.At).ToArray());
        command.AddArray("account", NpgsqlTypes.NpgsqlDbType.Uuid, rows.Select(r => r.AccountId).ToArray());
        command.AddArray("token", NpgsqlTypes.NpgsqlDbType.Uuid, rows.Select(r => r.TokenId).ToArray());
        command.AddArray("provider", NpgsqlTypes.NpgsqlDbType.Text, rows.Select(r => AiProviderNames.ToText(r.Provider)).ToArray());
        command.AddArray("model", NpgsqlTypes.NpgsqlDbType.Text, rows.Select(r => r.Model).ToArray());
        command.AddArray("prompt", NpgsqlTypes.NpgsqlDbType.Integer, rows.Select(r => r.PromptTokens).ToArray());
        command.AddArray("completion", NpgsqlTypes.NpgsqlDbType.Integer, rows.Select(r => r.CompletionTokens).ToArray());
        command.AddArray("latency", NpgsqlTypes.NpgsqlDbType.Integer, rows.Select(r => r.LatencyMs).ToArray());
        command.AddArray("outcome", NpgsqlTypes.NpgsqlDbType.Text, rows.Select(r => r.Outcome.ToString()).ToArray());
        command.AddArray("estimated", NpgsqlTypes.NpgsqlDbType.Boolean, rows.Select(r => r.Estimated).ToArray());
        command.AddArray("purpose", NpgsqlTypes.NpgsqlDbType.Text, rows.Select(r => PurposeText(r.Purpose)).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
        return records.Select(_ => true).ToArray();
    }

    private async Task RecordOne(AiUsageRecord r, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO ai_usage (id, at, account_id, token_id, provider, model, prompt_tokens, completion_tokens, latency_ms, outcome, tokens_estimated, purpose)
            VALUES (@id, @at, @account, @token, @provider, @model, @prompt, @completion, @latency, @outcome, @estimated, @purpose)
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.AddWithValue("id", r.Id);
        command.Parameters.AddWithValue("at", r.At);
        command.Parameters.AddWithValue("account", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)r.AccountId ?? DBNull.Value);
        command.Parameters.AddWithValue("token", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)r.TokenId ?? DBNull.Value);
        command.Parameters.AddWithValue("provider", AiProviderNames.ToText(r.Provider));
        command.Parameters.AddWithValue("model", r.Model);
        command.Parameters.AddWithValue("prompt", r.PromptTokens);
        command.Parameters.AddWithValue("completion", r.CompletionTokens);
        command.Parameters.AddWithValue("latency", r.LatencyMs);
        command.Parameters.AddWithValue("outcome", r.Outcome.ToString());
        command.Parameters.AddWithValue("estimated", r.Estimated);
        command.Parameters.AddWithValue("purpose", PurposeText(r.Purpose));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task<IReadOnlyList<AiUsageDaily>> DailyByAccount(Guid? accountId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Daily("account_id", accountId, from, to, cancellationToken);

    public Task<IReadOnlyList<AiUsageDaily>> DailyByToken(Guid? tokenId, DateOnly from, DateOnly to, CancellationToken cancellationToken = default) =>
        Daily("token_id", tokenId, from, to, cancellationToken);

    private async Task<IReadOnlyList<AiUsageDaily>> Daily(string column, Guid? filter, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT (at AT TIME ZONE 'UTC')::date AS day, {column}, count(*), count(*) FILTER (WHERE outcome <> 'Success'),
                   coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0), count(*) FILTER (WHERE tokens_estimated),
                   coalesce(sum(prompt_tokens) FILTER (WHERE purpose = 'embedding'), 0)
            FROM ai_usage
            WHERE (@filter::uuid IS NULL OR {column} = @filter::uuid)
              AND at >= @from AND at < @to
            GROUP BY 1, 2
            ORDER BY 1, 2
            """);
        command.Parameters.AddWithValue("filter", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)filter ?? DBNull.Value);
        command.Parameters.AddWithValue("from", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        command.Parameters.AddWithValue("to", new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<AiUsageDaily>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new AiUsageDaily(DateOnly.FromDateTime(reader.GetDateTime(0)), reader.IsDBNull(1) ? null : reader.GetGuid(1),
                reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7)));
        }
        return rows;
    }
}
