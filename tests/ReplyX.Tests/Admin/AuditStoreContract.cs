using ReplyX.Admin;

namespace ReplyX.Tests.Admin;

/// <summary>What every <see cref="IAuditStore"/> must do, run against both implementations.</summary>
public abstract class AuditStoreContract
{
    protected abstract IAuditStore Store { get; }

    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);

    private static AuditRecord Record(string action, int minute, Guid? actor = null, Guid? account = null) =>
        new(Guid.NewGuid(), T0.AddMinutes(minute), action, actor, account, "target", "127.0.0.1", "test-agent", "details");

    [Fact]
    public async Task Entries_come_back_newest_first_filtered_by_account_actor_action_and_time()
    {
        var account = Guid.NewGuid();
        var actor = Guid.NewGuid();
        var records = new[]
        {
            Record(AuditActions.LoginFailed, 1, actor, account),
            Record(AuditActions.LoginSucceeded, 2, actor, account),
            Record(AuditActions.OperatorInvited, 3, actor, account),
            Record(AuditActions.LoginFailed, 4, Guid.NewGuid(), Guid.NewGuid()),
        };
        foreach (var r in records)
        {
            await Store.Append(r);
        }

        var byAccount = await Store.Query(new AuditQuery(AccountId: account));
        Assert.Equal([records[2].Id, records[1].Id, records[0].Id], byAccount.Select(r => r.Id));
        Assert.Equal(records[2], byAccount[0]);

        var failures = await Store.Query(new AuditQuery(Action: AuditActions.LoginFailed, ActorUserId: actor));
        Assert.Equal([records[0].Id], failures.Select(r => r.Id));

        var window = await Store.Query(new AuditQuery(AccountId: account, From: T0.AddMinutes(2), To: T0.AddMinutes(3)));
        Assert.Equal([records[1].Id], window.Select(r => r.Id));
    }

    [Fact]
    public async Task Pages_continue_after_the_cursor_even_when_timestamps_tie()
    {
        var account = Guid.NewGuid();
        var written = Enumerable.Range(0, 7).Select(i => Record(AuditActions.LoginSucceeded, i / 2, account: account)).ToArray();
        foreach (var r in written)
        {
            await Store.Append(r);
        }

        var seen = new List<Guid>();
        AuditCursor? cursor = null;
        while (true)
        {
            var page = await Store.Query(new AuditQuery(AccountId: account, Before: cursor, Limit: 3));
            if (page.Count == 0)
            {
                break;
            }
            seen.AddRange(page.Select(r => r.Id));
            cursor = new AuditCursor(page[^1].At, page[^1].Id);
        }

        Assert.Equal(written.Select(r => r.Id).Order(), seen.Order());
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Fact]
    public async Task Appending_the_same_entry_twice_stores_it_once()
    {
        var account = Guid.NewGuid();
        var record = Record(AuditActions.Blocked, 0, account: account);

        await Store.Append(record);
        await Store.Append(record);

        Assert.Single(await Store.Query(new AuditQuery(AccountId: account)));
    }
}

public sealed class InMemoryAuditStoreTests : AuditStoreContract
{
    protected override IAuditStore Store { get; } = new InMemoryAuditStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditStoreTests(Infrastructure.MigratedDatabase database) : AuditStoreContract, IClassFixture<Infrastructure.MigratedDatabase>
{
    protected override IAuditStore Store { get; } = new PostgresAuditStore(database.DataSource);
}
