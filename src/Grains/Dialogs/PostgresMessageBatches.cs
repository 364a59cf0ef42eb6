using Npgsql;
using NpgsqlTypes;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

/// <summary>
/// The two writes every exchange makes in <c>dialog_messages</c>, group-committed across a silo's dialogs:
/// appends (an answer clearing its questions' flags in the same statement) and delivery marks. A write that
/// finds the writers idle goes out alone and at once; under load one statement carries what arrived meanwhile.
/// Rows go in (dialog, seq) order, so two batches never wait on each other's rows in opposite orders.
/// </summary>
internal sealed class PostgresMessageBatches
{
    private const int MaxBatch = 256;
    private const int Writers = 2;

    private const string AppendSql = """
        WITH inserted AS (
            INSERT INTO dialog_messages (dialog_id, seq, at, author, text, external_id, offline, operator_id, awaiting_delivery, awaiting_answer, sources)
            SELECT * FROM unnest(@dialog, @seq, @at, @author, @text, @external, @offline, @operator, @awaiting, @unanswered, @sources)
            ON CONFLICT DO NOTHING
            RETURNING dialog_id, seq),
        answered AS (
            UPDATE dialog_messages m SET awaiting_answer = false
            FROM unnest(@answerDialog, @answerUpto) AS a(dialog_id, upto)
            WHERE m.dialog_id = a.dialog_id AND m.awaiting_answer AND m.seq <= a.upto)
        SELECT dialog_id, seq FROM inserted
        """;

    private const string DeliveredSql = """
        UPDATE dialog_messages m SET awaiting_delivery = false
        FROM unnest(@dialog, @seq) AS d(dialog_id, seq)
        WHERE m.dialog_id = d.dialog_id AND m.seq = d.seq AND m.awaiting_delivery
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly WriteBatcher<AppendItem, bool> _appends;
    private readonly WriteBatcher<(Guid Dialog, long Seq), bool> _delivered;

    public PostgresMessageBatches(NpgsqlDataSource dataSource,
        Func<Guid, DialogMessage, AppendFlags, CancellationToken, Task<bool>> appendOne,
        Func<Guid, long, string?, CancellationToken, Task> deliveredOne)
    {
        _dataSource = dataSource;
        _appends = new("dialog_messages_append", AppendMany, (item, ct) => appendOne(item.DialogId, item.Message, item.Flags, ct), MaxBatch, Writers);
        _delivered = new("dialog_messages_delivered", DeliveredMany, async (item, ct) =>
        {
            await deliveredOne(item.Dialog, item.Seq, null, ct);
            return true;
        }, MaxBatch, Writers);
    }

    public readonly record struct AppendItem(Guid DialogId, DialogMessage Message, AppendFlags Flags);

    /// <summary>Whether the message was stored (false: its number or external id is taken).</summary>
    public Task<bool> Append(AppendItem item) => _appends.Run(item);

    public Task Delivered(Guid dialogId, long seq) => _delivered.Run((dialogId, seq));

    private async Task<IReadOnlyList<bool>> AppendMany(IReadOnlyList<AppendItem> items, CancellationToken cancellationToken)
    {
        var rows = items.OrderBy(i => i.DialogId).ThenBy(i => i.Message.Seq).ToArray();
        var answers = rows.Where(i => i.Flags.AnswersUpTo is not null).ToArray();
        await using var command = _dataSource.CreateCommand(AppendSql);
        command.AddArray("dialog", NpgsqlDbType.Uuid, rows.Select(i => i.DialogId).ToArray());
        command.AddArray("seq", NpgsqlDbType.Bigint, rows.Select(i => i.Message.Seq).ToArray());
        command.AddArray("at", NpgsqlDbType.TimestampTz, rows.Select(i => i.Message.At).ToArray());
        command.AddArray("author", NpgsqlDbType.Text, rows.Select(i => DialogNames.Author(i.Message.Author)).ToArray());
        command.AddArray("text", NpgsqlDbType.Text, rows.Select(i => i.Message.Text).ToArray());
        command.AddArray("external", NpgsqlDbType.Text, rows.Select(i => i.Message.ExternalId).ToArray());
        command.AddArray("offline", NpgsqlDbType.Boolean, rows.Select(i => i.Message.Offline).ToArray());
        command.AddArray("operator", NpgsqlDbType.Uuid, rows.Select(i => i.Message.OperatorId).ToArray());
        command.AddArray("awaiting", NpgsqlDbType.Boolean, rows.Select(i => i.Flags.AwaitingDelivery).ToArray());
        command.AddArray("unanswered", NpgsqlDbType.Boolean, rows.Select(i => i.Flags.AwaitingAnswer).ToArray());
        command.AddArray("sources", NpgsqlDbType.Jsonb, rows.Select(i => ReplyX.Knowledge.SourcesJson.Write(i.Message.Sources)).ToArray());
        command.AddArray("answerDialog", NpgsqlDbType.Uuid, answers.Select(i => i.DialogId).ToArray());
        command.AddArray("answerUpto", NpgsqlDbType.Bigint, answers.Select(i => i.Flags.AnswersUpTo!.Value).ToArray());
        var inserted = new HashSet<(Guid, long)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add((reader.GetGuid(0), reader.GetInt64(1)));
            }
        }
        return items.Select(i => inserted.Contains((i.DialogId, i.Message.Seq))).ToArray();
    }

    private async Task<IReadOnlyList<bool>> DeliveredMany(IReadOnlyList<(Guid Dialog, long Seq)> items, CancellationToken cancellationToken)
    {
        var rows = items.OrderBy(i => i.Dialog).ThenBy(i => i.Seq).ToArray();
        await using var command = _dataSource.CreateCommand(DeliveredSql);
        command.AddArray("dialog", NpgsqlDbType.Uuid, rows.Select(i => i.Dialog).ToArray());
        command.AddArray("seq", NpgsqlDbType.Bigint, rows.Select(i => i.Seq).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
        return items.Select(_ => true).ToArray();
    }
}
