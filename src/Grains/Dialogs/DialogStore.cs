using Npgsql;
using NpgsqlTypes;

namespace ReplyX.Dialogs;

public sealed record DialogRecord(
    Guid Id, Guid AccountId, Guid AssistantId, string Channel, string? ExternalChat, DialogMode Mode, Guid? OperatorId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, Guid? ChannelId = null, string? Origin = null);

/// <summary>An outgoing message stored but not yet accepted by its channel (e.g. Telegram's sendMessage).</summary>
public sealed record UndeliveredMessage(Guid DialogId, string Chat, long Seq, string Text);

/// <summary>One of a dialog's outgoing messages still flagged: not yet delivered, or refused (<see cref="Refusal"/>) and not yet recorded.</summary>
public sealed record FlaggedDelivery(long Seq, string Text, string? Refusal);

/// <summary>How a channel's outbox describes a refusal in the store.</summary>
public static class DeliveryRefusals
{
    public const string Blocked = "blocked";
    public const string Rejected = "rejected: ";
}

/// <summary>How a message is flagged when it is appended.</summary>
/// <param name="AwaitingDelivery">An outgoing message, flagged until the channel's verdict has been seen.</param>
/// <param name="AwaitingAnswer">A customer's message for the AI, flagged until answered.</param>
/// <param name="AnswersUpTo">This message answers the customer's messages up to this seq: their flags are cleared with it.</param>
public readonly record struct AppendFlags(bool AwaitingDelivery = false, bool AwaitingAnswer = false, long? AnswersUpTo = null);

/// <summary>Dialogs and their full message history (<c>sql/009_dialogs.sql</c>).</summary>
public interface IDialogStore
{
    Task SaveDialog(DialogRecord dialog, CancellationToken cancellationToken = default);

    Task<DialogRecord?> GetDialog(Guid id, CancellationToken cancellationToken = default);

    /// <summary>Appends a message; false when its sequence number or external id is already stored (a retry).</summary>
    Task<bool> Append(Guid dialogId, DialogMessage message, AppendFlags flags = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// The channel accepted the message (<paramref name="refusal"/> null: the flag is cleared) or refused it
    /// for good (the refusal is kept and the message stays flagged until its dialog, having recorded the
    /// refusal, marks it delivered).
    /// </summary>
    Task MarkDelivered(Guid dialogId, long seq, string? refusal = null, CancellationToken cancellationToken = default);

    /// <summary>Outgoing messages of a channel's dialogs awaiting delivery (refused ones excluded), per dialog in order.</summary>
    Task<IReadOnlyList<UndeliveredMessage>> Undelivered(Guid channelId, int limit, CancellationToken cancellationToken = default);

    /// <summary>One dialog's flagged outgoing messages, in order.</summary>
    Task<IReadOnlyList<FlaggedDelivery>> FlaggedDeliveries(Guid dialogId, CancellationToken cancellationToken = default);

    /// <summary>The customer's messages up to <paramref name="uptoSeq"/> need no AI answer any more (answered, or an operator has them).</summary>
    Task ClearAwaitingAnswer(Guid dialogId, long uptoSeq, CancellationToken cancellationToken = default);

    /// <summary>Dialogs with a flag (unanswered, undelivered or refused) set before <paramref name="before"/>: the recovery sweep wakes them.</summary>
    Task<IReadOnlyList<Guid>> Stalled(DateTimeOffset before, int limit, CancellationToken cancellationToken = default);

    Task<DialogMessage?> FindByExternalId(Guid dialogId, string externalId, CancellationToken cancellationToken = default);

    /// <summary>The newest <paramref name="count"/> messages, oldest first.</summary>
    Task<IReadOnlyList<DialogMessage>> Latest(Guid dialogId, int count, CancellationToken cancellationToken = default);

    /// <summary>Messages with a sequence number above <paramref name="afterSeq"/>, oldest first.</summary>
    Task<IReadOnlyList<DialogMessage>> Messages(Guid dialogId, long afterSeq, int limit, CancellationToken cancellationToken = default);
}

internal static class DialogNames
{
    public static string Mode(DialogMode mode) => mode.ToString().ToLowerInvariant();
    public static DialogMode Mode(string text) => Enum.Parse<DialogMode>(text, ignoreCase: true);
    public static string Author(MessageAuthor author) => author.ToString().ToLowerInvariant();
    public static MessageAuthor Author(string text) => Enum.Parse<MessageAuthor>(text, ignoreCase: true);

    // Both stores keep microseconds, as PostgreSQL does.
    public static DateTimeOffset Micro(DateTimeOffset t) => new(t.UtcTicks / 10 * 10, TimeSpan.Zero);
}

public sealed class InMemoryDialogStore : IDialogStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, DialogRecord> _dialogs = [];
    private readonly Dictionary<Guid, SortedList<long, DialogMessage>> _messages = [];
    private readonly SortedSet<(Guid Dialog, long Seq)> _undelivered = [];
    private readonly Dictionary<(Guid Dialog, long Seq), string> _refused = [];
    private readonly SortedSet<(Guid Dialog, long Seq)> _unanswered = [];
    private readonly Dictionary<(Guid Dialog, string ExternalId), long> _byExternalId = [];

    public Task SaveDialog(DialogRecord dialog, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            // As the table: the origin is the first one's.
            _dialogs[dialog.Id] = _dialogs.TryGetValue(dialog.Id, out var first) ? dialog with { Origin = first.Origin } : dialog;
        }
        return Task.CompletedTask;
    }

    /// <summary>A read over the dialogs and their messages under the store's lock (<see cref="InMemoryDialogDirectory"/>).</summary>
    internal T Read<T>(Func<IReadOnlyDictionary<Guid, DialogRecord>, IReadOnlyDictionary<Guid, SortedList<long, DialogMessage>>, T> read)
    {
        lock (_gate)
        {
            return read(_dialogs, _messages);
        }
    }

    public Task<DialogRecord?> GetDialog(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_dialogs.GetValueOrDefault(id));
        }
    }

    public Task<bool> Append(Guid dialogId, DialogMessage message, AppendFlags flags = default, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_dialogs.ContainsKey(dialogId))
            {
                throw new InvalidOperationException($"Dialog {dialogId} does not exist.");
            }
            var list = _messages.TryGetValue(dialogId, out var l) ? l : _messages[dialogId] = new SortedList<long, DialogMessage>();
            if (list.ContainsKey(message.Seq) || (message.ExternalId is { } ext && _byExternalId.ContainsKey((dialogId, ext))))
            {
                return Task.FromResult(false);
            }
            list.Add(message.Seq, message with { At = DialogNames.Micro(message.At) });
            if (message.ExternalId is { } externalId)
            {
                _byExternalId[(dialogId, externalId)] = message.Seq;
            }
            if (flags.AwaitingDelivery)
            {
                _undelivered.Add((dialogId, message.Seq));
            }
            if (flags.AwaitingAnswer)
            {
                _unanswered.Add((dialogId, message.Seq));
            }
            if (flags.AnswersUpTo is { } upto)
            {
                ClearUnanswered(dialogId, upto);
            }
            return Task.FromResult(true);
        }
    }

    public Task MarkDelivered(Guid dialogId, long seq, string? refusal = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (refusal is null)
            {
                _undelivered.Remove((dialogId, seq));
                _refused.Remove((dialogId, seq));
            }
            else if (_undelivered.Contains((dialogId, seq)))
            {
                _refused[(dialogId, seq)] = refusal;
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FlaggedDelivery>> FlaggedDeliveries(Guid dialogId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<FlaggedDelivery> list = _undelivered.GetViewBetween((dialogId, long.MinValue), (dialogId, long.MaxValue))
                .Select(k => new FlaggedDelivery(k.Seq, _messages[k.Dialog][k.Seq].Text, _refused.GetValueOrDefault(k)))
                .ToArray();
            return Task.FromResult(list);
        }
    }

    public Task ClearAwaitingAnswer(Guid dialogId, long uptoSeq, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            ClearUnanswered(dialogId, uptoSeq);
        }
        return Task.CompletedTask;
    }

    /// <summary>Only this dialog's range of the set is visited (a scan of the whole set per answer was quadratic under load).</summary>
    private void ClearUnanswered(Guid dialogId, long uptoSeq)
    {
        var range = _unanswered.GetViewBetween((dialogId, long.MinValue), (dialogId, uptoSeq));
        if (range.Count > 0)
        {
            foreach (var key in range.ToArray())
            {
                _unanswered.Remove(key);
            }
        }
    }

    public Task<IReadOnlyList<Guid>> Stalled(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Guid> ids = _unanswered.Concat(_undelivered)
                .Where(k => _messages[k.Dialog][k.Seq].At < before)
                .Select(k => k.Dialog)
                .Distinct()
                .Take(limit)
                .ToArray();
            return Task.FromResult(ids);
        }
    }

    public Task<IReadOnlyList<UndeliveredMessage>> Undelivered(Guid channelId, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<UndeliveredMessage> page = _undelivered
                .Where(k => !_refused.ContainsKey(k) && _dialogs.TryGetValue(k.Dialog, out var d) && d.ChannelId == channelId)
                .Take(limit)
                .Select(k => new UndeliveredMessage(k.Dialog, _dialogs[k.Dialog].ExternalChat ?? "", k.Seq, _messages[k.Dialog][k.Seq].Text))
                .ToArray();
            return Task.FromResult(page);
        }
    }

    public Task<DialogMessage?> FindByExternalId(Guid dialogId, string externalId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byExternalId.TryGetValue((dialogId, externalId), out var seq) ? _messages[dialogId][seq] : null);
        }
    }

    public Task<IReadOnlyList<DialogMessage>> Latest(Guid dialogId, int count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DialogMessage> page = _messages.TryGetValue(dialogId, out var list)
                ? list.Values.Skip(Math.Max(0, list.Count - count)).ToArray()
                : [];
            return Task.FromResult(page);
        }
    }

    public Task<IReadOnlyList<DialogMessage>> Messages(Guid dialogId, long afterSeq, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DialogMessage> page = _messages.TryGetValue(dialogId, out var list)
                ? list.Values.Where(m => m.Seq > afterSeq).Take(limit).ToArray()
                : [];
            return Task.FromResult(page);
        }
    }
}

public sealed class PostgresDialogStore(NpgsqlDataSource dataSource) : IDialogStore
{
    // Every dialog appends and every outbox marks deliveries: under load they are written many rows a statement.
    private PostgresMessageBatches? _batches;

    private PostgresMessageBatches Batches => _batches ??= new PostgresMessageBatches(dataSource, AppendOne, MarkDeliveredOne);

    public async Task SaveDialog(DialogRecord d, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO dialogs (id, account_id, assistant_id, channel, external_chat, mode, operator_id, created_at, updated_at, channel_id, origin)
            VALUES (@id, @account, @assistant, @channel, @chat, @mode, @operator, @created, @updated, @channelId, @origin)
            ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, operator_id = excluded.operator_id, updated_at = excluded.updated_at
            """);
        command.Parameters.AddWithValue("id", d.Id);
        command.Parameters.AddWithValue("account", d.AccountId);
        command.Parameters.AddWithValue("assistant", d.AssistantId);
        command.Parameters.AddWithValue("channel", d.Channel);
        command.Parameters.AddWithValue("chat", NpgsqlDbType.Text, (object?)d.ExternalChat ?? DBNull.Value);
        command.Parameters.AddWithValue("mode", DialogNames.Mode(d.Mode));
        command.Parameters.AddWithValue("operator", NpgsqlDbType.Uuid, (object?)d.OperatorId ?? DBNull.Value);
        command.Parameters.AddWithValue("created", d.CreatedAt);
        command.Parameters.AddWithValue("updated", d.UpdatedAt);
        command.Parameters.AddWithValue("channelId", NpgsqlDbType.Uuid, (object?)d.ChannelId ?? DBNull.Value);
        command.Parameters.AddWithValue("origin", NpgsqlDbType.Text, (object?)d.Origin ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<DialogRecord?> GetDialog(Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, account_id, assistant_id, channel, external_chat, mode, operator_id, created_at, updated_at, channel_id, origin FROM dialogs WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new DialogRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), DialogNames.Mode(reader.GetString(5)), reader.IsDBNull(6) ? null : reader.GetGuid(6),
            Utc(reader.GetDateTime(7)), Utc(reader.GetDateTime(8)), reader.IsDBNull(9) ? null : reader.GetGuid(9), reader.IsDBNull(10) ? null : reader.GetString(10));
    }

    public Task<bool> Append(Guid dialogId, DialogMessage m, AppendFlags flags = default, CancellationToken cancellationToken = default) =>
        Batches.Append(new(dialogId, m, flags));

    private async Task<bool> AppendOne(Guid dialogId, DialogMessage m, AppendFlags flags, CancellationToken cancellationToken)
    {
        const string Insert = """
            INSERT INTO dialog_messages (dialog_id, seq, at, author, text, external_id, offline, operator_id, awaiting_delivery, awaiting_answer, sources)
            VALUES (@dialog, @seq, @at, @author, @text, @external, @offline, @operator, @awaiting, @unanswered, @sources)
            ON CONFLICT DO NOTHING
            """;
        // An answer clears its questions' flags in the same statement: no extra round trip per reply.
        await using var command = dataSource.CreateCommand(flags.AnswersUpTo is null ? Insert : $"""
            WITH inserted AS ({Insert} RETURNING 1),
            answered AS (UPDATE dialog_messages SET awaiting_answer = false WHERE dialog_id = @dialog AND awaiting_answer AND seq <= @upto)
            SELECT count(*)::int FROM inserted
            """);
        command.Parameters.AddWithValue("dialog", dialogId);
        command.Parameters.AddWithValue("seq", m.Seq);
        command.Parameters.AddWithValue("at", m.At);
        command.Parameters.AddWithValue("author", DialogNames.Author(m.Author));
        command.Parameters.AddWithValue("text", m.Text);
        command.Parameters.AddWithValue("external", NpgsqlDbType.Text, (object?)m.ExternalId ?? DBNull.Value);
        command.Parameters.AddWithValue("offline", m.Offline);
        command.Parameters.AddWithValue("operator", NpgsqlDbType.Uuid, (object?)m.OperatorId ?? DBNull.Value);
        command.Parameters.AddWithValue("awaiting", flags.AwaitingDelivery);
        command.Parameters.AddWithValue("unanswered", flags.AwaitingAnswer);
        command.Parameters.AddWithValue("sources", NpgsqlDbType.Jsonb, (object?)ReplyX.Knowledge.SourcesJson.Write(m.Sources) ?? DBNull.Value);
        if (flags.AnswersUpTo is { } upto)
        {
            command.Parameters.AddWithValue("upto", upto);
            return (int)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
        }
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public Task MarkDelivered(Guid dialogId, long seq, string? refusal = null, CancellationToken cancellationToken = default) =>
        refusal is null ? Batches.Delivered(dialogId, seq) : MarkDeliveredOne(dialogId, seq, refusal, cancellationToken);

    private async Task MarkDeliveredOne(Guid dialogId, long seq, string? refusal, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(refusal is null
            ? "UPDATE dialog_messages SET awaiting_delivery = false WHERE dialog_id = @dialog AND seq = @seq AND awaiting_delivery"
            : "UPDATE dialog_messages SET delivery_refused = @refusal WHERE dialog_id = @dialog AND seq = @seq AND awaiting_delivery");
        command.Parameters.AddWithValue("dialog", dialogId);
        command.Parameters.AddWithValue("seq", seq);
        if (refusal is not null)
        {
            command.Parameters.AddWithValue("refusal", refusal);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<FlaggedDelivery>> FlaggedDeliveries(Guid dialogId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT seq, text, delivery_refused FROM dialog_messages WHERE dialog_id = @dialog AND awaiting_delivery ORDER BY seq");
        command.Parameters.AddWithValue("dialog", dialogId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<FlaggedDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new FlaggedDelivery(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }
        return list;
    }

    public async Task ClearAwaitingAnswer(Guid dialogId, long uptoSeq, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE dialog_messages SET awaiting_answer = false WHERE dialog_id = @dialog AND awaiting_answer AND seq <= @upto");
        command.Parameters.AddWithValue("dialog", dialogId);
        command.Parameters.AddWithValue("upto", uptoSeq);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<Guid>> Stalled(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT DISTINCT dialog_id FROM (
                SELECT dialog_id FROM dialog_messages
                WHERE (awaiting_answer OR awaiting_delivery) AND at < @before
                ORDER BY at
                LIMIT @scan) flagged
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("scan", limit * 4);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(reader.GetGuid(0));
        }
        return list;
    }

    public async Task<IReadOnlyList<UndeliveredMessage>> Undelivered(Guid channelId, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT d.id, coalesce(d.external_chat, ''), m.seq, m.text
            FROM dialog_messages m JOIN dialogs d ON d.id = m.dialog_id
            WHERE m.awaiting_delivery AND m.delivery_refused IS NULL AND d.channel_id = @channel
            ORDER BY d.id, m.seq
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("channel", channelId);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<UndeliveredMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new UndeliveredMessage(reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
        }
        return list;
    }

    public async Task<DialogMessage?> FindByExternalId(Guid dialogId, string externalId, CancellationToken cancellationToken = default) =>
        (await Read("WHERE dialog_id = @dialog AND external_id = @external", c =>
        {
            c.Parameters.AddWithValue("dialog", dialogId);
            c.Parameters.AddWithValue("external", externalId);
        }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<DialogMessage>> Messages(Guid dialogId, long afterSeq, int limit, CancellationToken cancellationToken = default) =>
        Read("WHERE dialog_id = @dialog AND seq > @after ORDER BY seq LIMIT @limit", c =>
        {
            c.Parameters.AddWithValue("dialog", dialogId);
            c.Parameters.AddWithValue("after", afterSeq);
            c.Parameters.AddWithValue("limit", limit);
        }, cancellationToken);

    public async Task<IReadOnlyList<DialogMessage>> Latest(Guid dialogId, int count, CancellationToken cancellationToken = default)
    {
        var newestFirst = await Read("WHERE dialog_id = @dialog ORDER BY seq DESC LIMIT @limit", c =>
        {
            c.Parameters.AddWithValue("dialog", dialogId);
            c.Parameters.AddWithValue("limit", count);
        }, cancellationToken);
        return newestFirst.Reverse().ToArray();
    }

    private async Task<IReadOnlyList<DialogMessage>> Read(string where, Action<NpgsqlCommand> bind, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT seq, at, author, text, external_id, offline, operator_id, sources FROM dialog_messages " + where);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DialogMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new DialogMessage(reader.GetInt64(0), Utc(reader.GetDateTime(1)), DialogNames.Author(reader.GetString(2)), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetGuid(6),
                ReplyX.Knowledge.SourcesJson.Read(reader.IsDBNull(7) ? null : reader.GetString(7))));
        }
        return list;
    }

    internal static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
