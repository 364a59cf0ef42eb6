using ReplyX.Dialogs;
using ReplyX.Tests.Infrastructure;

using ReplyX.Tests.Ai;

namespace ReplyX.Tests.Dialogs;

/// <summary>What every <see cref="IDialogStore"/> must do, on both implementations.</summary>
public abstract class DialogStoreContract
{
    protected abstract IDialogStore Store { get; }

    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    private async Task<Guid> NewDialog()
    {
        var id = Guid.NewGuid();
        await Store.SaveDialog(new DialogRecord(id, Guid.NewGuid(), Guid.NewGuid(), "telegram", "chat-1", DialogMode.Ai, null, T0, T0));
        return id;
    }

    private static DialogMessage Message(long seq, string? externalId = null, MessageAuthor author = MessageAuthor.User) =>
        new(seq, T0.AddSeconds(seq), author, "text " + seq, externalId, false, null);

    [Fact]
    public async Task Messages_come_back_in_sequence_after_a_given_number()
    {
        var id = await NewDialog();
        foreach (var seq in new long[] { 1, 2, 3, 4 })
        {
            Assert.True(await Store.Append(id, Message(seq, author: seq % 2 == 0 ? MessageAuthor.Assistant : MessageAuthor.User)));
        }

        Assert.Equal([3L, 4L], (await Store.Messages(id, 2, 10)).Select(m => m.Seq));
        Assert.Equal([1L, 2L], (await Store.Messages(id, 0, 2)).Select(m => m.Seq));
        Assert.Equal(Message(2, author: MessageAuthor.Assistant), (await Store.Messages(id, 1, 1)).Single());
        Assert.Equal([3L, 4L], (await Store.Latest(id, 2)).Select(m => m.Seq));
        Assert.Equal([1L, 2L, 3L, 4L], (await Store.Latest(id, 10)).Select(m => m.Seq));
        Assert.Empty(await Store.Latest(Guid.NewGuid(), 10));
    }

    [Fact]
    public async Task Outgoing_messages_stay_flagged_for_their_channel_until_delivered()
    {
        var bot = Guid.NewGuid();
        var dialog = Guid.NewGuid();
        await Store.SaveDialog(new DialogRecord(dialog, Guid.NewGuid(), Guid.NewGuid(), "telegram", "4242", DialogMode.Ai, null, T0, T0, bot));
        var otherBotsDialog = Guid.NewGuid();
        await Store.SaveDialog(new DialogRecord(otherBotsDialog, Guid.NewGuid(), Guid.NewGuid(), "telegram", "4243", DialogMode.Ai, null, T0, T0, Guid.NewGuid()));
        Assert.True(await Store.Append(dialog, Message(1)));
        Assert.True(await Store.Append(dialog, Message(2, author: MessageAuthor.Assistant), new AppendFlags(AwaitingDelivery: true)));
        Assert.True(await Store.Append(dialog, Message(3, author: MessageAuthor.Assistant), new AppendFlags(AwaitingDelivery: true)));
        Assert.True(await Store.Append(otherBotsDialog, Message(1, author: MessageAuthor.Assistant), new AppendFlags(AwaitingDelivery: true)));

        Assert.Equal([new UndeliveredMessage(dialog, "4242", 2, "text 2"), new UndeliveredMessage(dialog, "4242", 3, "text 3")], await Store.Undelivered(bot, 10));
        Assert.Single(await Store.Undelivered(bot, 1));

        await Store.MarkDelivered(dialog, 2);
        await Store.MarkDelivered(dialog, 2); // idempotent
        Assert.Equal([3L], (await Store.Undelivered(bot, 10)).Select(m => m.Seq));
        await Store.MarkDelivered(dialog, 3);
        Assert.Empty(await Store.Undelivered(bot, 10));
        Assert.Equal(bot, (await Store.GetDialog(dialog))!.ChannelId);
    }

    [Fact]
    public async Task Unanswered_questions_are_flagged_until_their_answer_is_stored_and_old_flags_show_their_dialog_as_stalled()
    {
        var dialog = await NewDialog();
        var other = await NewDialog();
        Assert.True(await Store.Append(dialog, Message(1), new AppendFlags(AwaitingAnswer: true)));
        Assert.True(await Store.Append(dialog, Message(2), new AppendFlags(AwaitingAnswer: true)));
        Assert.True(await Store.Append(other, Message(1), new AppendFlags(AwaitingAnswer: true)));

        // The store is shared with other tests: only these two dialogs are looked at.
        var stalled = await Store.Stalled(T0.AddSeconds(10), 1000);
        Assert.Contains(dialog, stalled);
        Assert.Contains(other, stalled);
        Assert.DoesNotContain(dialog, await Store.Stalled(T0, 1000)); // its flags are not that old

        // The answer to the first question clears only its flag, in the same write.
        Assert.True(await Store.Append(dialog, Message(3, author: MessageAuthor.Assistant), new AppendFlags(AnswersUpTo: 1)));
        Assert.Contains(dialog, await Store.Stalled(T0.AddSeconds(10), 1000));
        await Store.ClearAwaitingAnswer(dialog, 2);
        stalled = await Store.Stalled(T0.AddSeconds(10), 1000);
        Assert.DoesNotContain(dialog, stalled);
        Assert.Contains(other, stalled);
        await Store.ClearAwaitingAnswer(other, 1);
        Assert.DoesNotContain(other, await Store.Stalled(T0.AddSeconds(10), 1000));
    }

    [Fact]
    public async Task A_refusal_keeps_the_message_flagged_for_its_dialog_but_not_for_the_outbox_until_the_dialog_settles_it()
    {
        var bot = Guid.NewGuid();
        var dialog = Guid.NewGuid();
        await Store.SaveDialog(new DialogRecord(dialog, Guid.NewGuid(), Guid.NewGuid(), "telegram", "77", DialogMode.Ai, null, T0, T0, bot));
        Assert.True(await Store.Append(dialog, Message(1, author: MessageAuthor.Assistant), new AppendFlags(AwaitingDelivery: true)));
        Assert.True(await Store.Append(dialog, Message(2, author: MessageAuthor.Assistant), new AppendFlags(AwaitingDelivery: true)));

        await Store.MarkDelivered(dialog, 1, DeliveryRefusals.Blocked);

        Assert.Equal([new FlaggedDelivery(1, "text 1", DeliveryRefusals.Blocked), new FlaggedDelivery(2, "text 2", null)], await Store.FlaggedDeliveries(dialog));
        Assert.Equal([2L], (await Store.Undelivered(bot, 10)).Select(m => m.Seq)); // the outbox does not send a refused one again
        Assert.Contains(dialog, await Store.Stalled(T0.AddSeconds(10), 1000));
        await Store.MarkDelivered(dialog, 1); // the dialog recorded the refusal
        await Store.MarkDelivered(dialog, 2);
        Assert.Empty(await Store.FlaggedDeliveries(dialog));
        Assert.DoesNotContain(dialog, await Store.Stalled(T0.AddSeconds(10), 1000));
    }

    [Fact]
    public async Task A_repeated_sequence_number_or_external_id_is_not_stored_twice()
    {
        var id = await NewDialog();
        Assert.True(await Store.Append(id, Message(1, "update-7")));

        Assert.False(await Store.Append(id, Message(1)));
        Assert.False(await Store.Append(id, Message(2, "update-7")));

        Assert.Equal(1, (await Store.FindByExternalId(id, "update-7"))!.Seq);
        Assert.Single(await Store.Messages(id, 0, 10));
        // Another dialog may use the same external id.
        var other = await NewDialog();
        Assert.True(await Store.Append(other, Message(1, "update-7")));
    }

    [Fact]
    public async Task Many_writes_at_once_each_get_their_own_outcome()
    {
        // PostgreSQL group-commits concurrent writes into multi-row statements: each caller must still learn
        // whether its own row went in, flags must clear only for their own dialog, and a broken row
        // (a dialog that does not exist) must fail alone.
        var dialogs = new List<Guid>();
        for (var i = 0; i < 40; i++)
        {
            dialogs.Add(await NewDialog());
        }
        await Task.WhenAll(dialogs.Select(d => Store.Append(d, Message(1, $"u-{d}"), new AppendFlags(AwaitingAnswer: true))));

        var missing = Guid.NewGuid();
        var appends = dialogs.SelectMany((d, i) => new[]
        {
            // Even dialogs get their answer (clearing the question's flag); odd ones a repeated number.
            i % 2 == 0
                ? Store.Append(d, Message(2, author: MessageAuthor.Assistant), new AppendFlags(AwaitingDelivery: true, AnswersUpTo: 1))
                : Store.Append(d, Message(1, $"other-{d}")),
        }).ToList();
        var broken = Task.Run(() => Store.Append(missing, Message(1)));
        var outcomes = await Task.WhenAll(appends);

        Assert.Equal(dialogs.Select((_, i) => i % 2 == 0), outcomes);
        await Assert.ThrowsAnyAsync<Exception>(() => broken);
        Assert.All(dialogs.Where((_, i) => i % 2 == 0), d => Assert.Equal([2L], Store.FlaggedDeliveries(d).Result.Select(f => f.Seq)));

        await Task.WhenAll(dialogs.Where((_, i) => i % 2 == 0).Select(d => Store.MarkDelivered(d, 2)));
        foreach (var d in dialogs)
        {
            Assert.Empty(await Store.FlaggedDeliveries(d));
        }
        // Answered and delivered: no longer stalled; the odd ones' questions still wait for an answer.
        var stalled = await Store.Stalled(T0.AddSeconds(10), 100_000);
        Assert.All(dialogs.Where((_, i) => i % 2 == 0), d => Assert.DoesNotContain(d, stalled));
        Assert.All(dialogs.Where((_, i) => i % 2 == 1), d => Assert.Contains(d, stalled));
    }

    [Fact]
    public async Task The_dialog_row_follows_mode_changes()
    {
        var id = await NewDialog();
        var record = (await Store.GetDialog(id))!;
        var operatorId = Guid.NewGuid();

        await Store.SaveDialog(record with { Mode = DialogMode.Operator, OperatorId = operatorId, UpdatedAt = T0.AddMinutes(1) });

        var saved = (await Store.GetDialog(id))!;
        Assert.Equal(DialogMode.Operator, saved.Mode);
        Assert.Equal(operatorId, saved.OperatorId);
        Assert.Equal(record.CreatedAt, saved.CreatedAt);
        Assert.Null(await Store.GetDialog(Guid.NewGuid()));
    }
}

public sealed class InMemoryDialogStoreTests : DialogStoreContract
{
    protected override IDialogStore Store { get; } = new InMemoryDialogStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresDialogStoreTests(MigratedDatabase database) : DialogStoreContract, IClassFixture<MigratedDatabase>
{
    protected override IDialogStore Store { get; } = new PostgresDialogStore(database.DataSource);
}
