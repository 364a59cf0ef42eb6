using Npgsql;
using NpgsqlTypes;

namespace ReplyX.Dialogs;

/// <summary>
/// Dialog lists and transcripts for owners and operators, and the visitor's rating. Every read names the
/// account and filters by it in the store, so another account's dialog is never found (tenant isolation is
/// the store's, not only the endpoint's).
/// </summary>
public interface IDialogDirectory
{
    Task<DialogPage> List(Guid accountId, DialogQuery query, CancellationToken cancellationToken = default);

    Task<DialogSummary?> Find(Guid accountId, Guid dialogId, CancellationToken cancellationToken = default);

    /// <summary>The newest <paramref name="limit"/> messages with a seq below <paramref name="beforeSeq"/>, oldest first.</summary>
    Task<IReadOnlyList<DialogMessage>> Before(Guid dialogId, long beforeSeq, int limit, CancellationToken cancellationToken = default);

    Task AddNote(Guid dialogId, DialogNote note, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DialogNote>> Notes(Guid dialogId, CancellationToken cancellationToken = default);

    /// <summary>Records the visitor's rating of a closed dialog (the last one counts); false when the dialog is not the account's or not closed.</summary>
    Task<bool> Rate(Guid accountId, Guid dialogId, DialogRating rating, CancellationToken cancellationToken = default);
}

public static class DialogListRules
{
    public const int MaxLimit = DialogLists.MaxLimit;

    /// <summary>A text filter as a LIKE pattern: its own % and _ match themselves.</summary>
    public static string LikePattern(string text) =>
        "%" + text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";

    public static bool Matches(DialogQuery q, DialogRecord d, DialogMessage? last, IEnumerable<DialogMessage> messages) =>
        (q.Mode is null || d.Mode == q.Mode)
        && (q.AssistantId is null || d.AssistantId == q.AssistantId)
        && (q.Channel is null || d.Channel == q.Channel)
        && (q.OperatorId is null || d.OperatorId == q.OperatorId)
        && (!q.Unanswered || last?.Author == MessageAuthor.User)
        && (q.Cursor is null || d.UpdatedAt < q.Cursor.UpdatedAt || (d.UpdatedAt == q.Cursor.UpdatedAt && d.Id.CompareTo(q.Cursor.Id) < 0))
        && (string.IsNullOrEmpty(q.Text) || messages.Any(m => m.Text.Contains(q.Text, StringComparison.OrdinalIgnoreCase)));

    /// <summary>A page of <paramref name="limit"/> + 1 rows read: the extra one only says there is a next page.</summary>
    public static DialogPage Page(IReadOnlyList<DialogSummary> rows, int limit) =>
        rows.Count > limit
            ? new DialogPage(rows.Take(limit).ToArray(), new DialogCursor(rows[limit - 1].UpdatedAt, rows[limit - 1].Id))
            : new DialogPage(rows, null);
}

public sealed class InMemoryDialogDirectory(InMemoryDialogStore store) : IDialogDirectory
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, DialogRating> _ratings = [];
    private readonly Dictionary<Guid, List<DialogNote>> _notes = [];

    public Task AddNote(Guid dialogId, DialogNote note, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            (_notes.TryGetValue(dialogId, out var list) ? list : _notes[dialogId] = []).Add(note with { At = DialogNames.Micro(note.At) });
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DialogNote>> Notes(Guid dialogId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<DialogNote>>(_notes.TryGetValue(dialogId, out var list) ? list.ToArray() : []);
        }
    }

    public Task<DialogPage> List(Guid accountId, DialogQuery query, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(query.Limit, 1, DialogListRules.MaxLimit);
        var rows = store.Read((dialogs, messages) => dialogs.Values
            .Where(d => d.AccountId == accountId)
            .Select(d => (Dialog: d, Messages: messages.GetValueOrDefault(d.Id)))
            .Where(x => DialogListRules.Matches(query, x.Dialog, Last(x.Messages), x.Messages?.Values ?? []))
            .OrderByDescending(x => x.Dialog.UpdatedAt).ThenByDescending(x => x.Dialog.Id)
            .Take(limit + 1)
            .Select(x => Summary(x.Dialog, Last(x.Messages)))
            .ToArray());
        return Task.FromResult(DialogListRules.Page(rows, limit));
    }

    public Task<DialogSummary?> Find(Guid accountId, Guid dialogId, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Read((dialogs, messages) =>
            dialogs.TryGetValue(dialogId, out var d) && d.AccountId == accountId ? Summary(d, Last(messages.GetValueOrDefault(d.Id))) : null));

    public Task<IReadOnlyList<DialogMessage>> Before(Guid dialogId, long beforeSeq, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Read<IReadOnlyList<DialogMessage>>((_, messages) => messages.TryGetValue(dialogId, out var list)
            ? list.Values.Where(m => m.Seq < beforeSeq).TakeLast(limit).ToArray()
            : []));

    public Task<bool> Rate(Guid accountId, Guid dialogId, DialogRating rating, CancellationToken cancellationToken = default)
    {
        if (!store.Read((dialogs, _) => dialogs.TryGetValue(dialogId, out var d) && d.AccountId == accountId && d.Mode == DialogMode.Closed))
        {
            return Task.FromResult(false);
        }
        lock (_gate)
        {
            _ratings[dialogId] = rating with { At = DialogNames.Micro(rating.At) };
        }
        return Task.FromResult(true);
    }

    private static DialogMessage? Last(SortedList<long, DialogMessage>? messages) => messages is { Count: > 0 } ? messages.Values[^1] : null;

    private DialogSummary Summary(DialogRecord d, DialogMessage? last)
    {
        DialogRating? rating;
        lock (_gate)
        {
            rating = _ratings.GetValueOrDefault(d.Id);
        }
        return new DialogSummary(d.Id, d.AccountId, d.AssistantId, d.Channel, d.Mode, d.OperatorId, d.CreatedAt, d.UpdatedAt, last, rating, d.Origin);
    }
}

public sealed class PostgresDialogDirectory(NpgsqlDataSource dataSource) : IDialogDirectory
{
    private const string Select = """
        SELECT d.id, d.account_id, d.assistant_id, d.channel, d.mode, d.operator_id, d.created_at, d.updated_at,
               d.origin, d.rating_score, d.rating_comment, d.rated_at,
               m.seq, m.at, m.author, m.text, m.offline, m.operator_id, m.sources
        FROM dialogs d
        LEFT JOIN LATERAL (SELECT seq, at, author, text, offline, operator_id, sources FROM dialog_messages
                           WHERE dialog_id = d.id ORDER BY seq DESC LIMIT 1) m ON true
        """;

    public async Task<DialogPage> List(Guid accountId, DialogQuery q, CancellationToken cancellationToken = default)
    {
        var limit = Math.Clamp(q.Limit, 1, DialogListRules.MaxLimit);
        var where = new List<string> { "d.account_id = @account" };
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue("account", accountId);
        if (q.Mode is { } mode)
        {
            where.Add("d.mode = @mode");
            command.Parameters.AddWithValue("mode", DialogNames.Mode(mode));
        }
        if (q.AssistantId is { } assistant)
        {
            where.Add("d.assistant_id = @assistant");
            command.Parameters.AddWithValue("assistant", assistant);
        }
        if (q.Channel is { } channel)
        {
            where.Add("d.channel = @channel");
            command.Parameters.AddWithValue("channel", channel);
        }
        if (q.OperatorId is { } op)
        {
            where.Add("d.operator_id = @operator");
            command.Parameters.AddWithValue("operator", op);
        }
        if (q.Unanswered)
        {
            where.Add("m.author = 'user'");
        }
        if (q.Cursor is { } cursor)
        {
            where.Add("(d.updated_at, d.id) < (@cursorAt, @cursorId)");
            command.Parameters.AddWithValue("cursorAt", cursor.UpdatedAt);
            command.Parameters.AddWithValue("cursorId", cursor.Id);
        }
        if (!string.IsNullOrEmpty(q.Text))
        {
            where.Add(@"EXISTS (SELECT 1 FROM dialog_messages t WHERE t.dialog_id = d.id AND t.text ILIKE @text ESCAPE '\')");
            command.Parameters.AddWithValue("text", DialogListRules.LikePattern(q.Text));
        }
        command.CommandText = $"{Select} WHERE {string.Join(" AND ", where)} ORDER BY d.updated_at DESC, d.id DESC LIMIT @limit";
        command.Parameters.AddWithValue("limit", limit + 1);
        return DialogListRules.Page(await ReadSummaries(command, cancellationToken), limit);
    }

    public async Task<DialogSummary?> Find(Guid accountId, Guid dialogId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"{Select} WHERE d.id = @id AND d.account_id = @account");
        command.Parameters.AddWithValue("id", dialogId);
        command.Parameters.AddWithValue("account", accountId);
        return (await ReadSummaries(command, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<DialogMessage>> Before(Guid dialogId, long beforeSeq, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT seq, at, author, text, offline, operator_id, sources FROM dialog_messages WHERE dialog_id = @dialog AND seq < @before ORDER BY seq DESC LIMIT @limit");
        command.Parameters.AddWithValue("dialog", dialogId);
        command.Parameters.AddWithValue("before", beforeSeq);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var newestFirst = new List<DialogMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            newestFirst.Add(ReadMessage(reader, 0)!);
        }
        newestFirst.Reverse();
        return newestFirst;
    }

    public async Task AddNote(Guid dialogId, DialogNote note, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("INSERT INTO dialog_notes (id, dialog_id, author_id, text, at) VALUES (@id, @dialog, @author, @text, @at)");
        command.Parameters.AddWithValue("id", note.Id);
        command.Parameters.AddWithValue("dialog", dialogId);
        command.Parameters.AddWithValue("author", note.AuthorId);
        command.Parameters.AddWithValue("text", note.Text);
        command.Parameters.AddWithValue("at", note.At);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DialogNote>> Notes(Guid dialogId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, author_id, text, at FROM dialog_notes WHERE dialog_id = @dialog ORDER BY at, id LIMIT 1000");
        command.Parameters.AddWithValue("dialog", dialogId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var notes = new List<DialogNote>();
        while (await reader.ReadAsync(cancellationToken))
        {
            notes.Add(new DialogNote(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), PostgresDialogStore.Utc(reader.GetDateTime(3))));
        }
        return notes;
    }

    public async Task<bool> Rate(Guid accountId, Guid dialogId, DialogRating rating, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE dialogs SET rating_score = @score, rating_comment = @comment, rated_at = @at WHERE id = @id AND account_id = @account AND mode = 'closed'");
        command.Parameters.AddWithValue("score", (short)rating.Score);
        command.Parameters.AddWithValue("comment", NpgsqlDbType.Text, (object?)rating.Comment ?? DBNull.Value);
        command.Parameters.AddWithValue("at", rating.At);
        command.Parameters.AddWithValue("id", dialogId);
        command.Parameters.AddWithValue("account", accountId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static async Task<IReadOnlyList<DialogSummary>> ReadSummaries(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DialogSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var rating = reader.IsDBNull(9) ? null
                : new DialogRating(reader.GetInt16(9), reader.IsDBNull(10) ? null : reader.GetString(10), PostgresDialogStore.Utc(reader.GetDateTime(11)));
            list.Add(new DialogSummary(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), DialogNames.Mode(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetGuid(5), PostgresDialogStore.Utc(reader.GetDateTime(6)), PostgresDialogStore.Utc(reader.GetDateTime(7)),
                ReadMessage(reader, 12), rating, reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return list;
    }

    private static DialogMessage? ReadMessage(NpgsqlDataReader r, int at) => r.IsDBNull(at) ? null
        : new DialogMessage(r.GetInt64(at), PostgresDialogStore.Utc(r.GetDateTime(at + 1)), DialogNames.Author(r.GetString(at + 2)), r.GetString(at + 3),
            null, r.GetBoolean(at + 4), r.IsDBNull(at + 5) ? null : r.GetGuid(at + 5),
            ReplyX.Knowledge.SourcesJson.Read(r.IsDBNull(at + 6) ? null : r.GetString(at + 6)));
}
