using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.TestingHost;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Dialogs;
using ReplyX.Fakes;
using ReplyX.Hosting;
using ReplyX.Tests.Infrastructure;

using ReplyX.Tests.Ai;

namespace ReplyX.Tests.Dialogs;

/// <summary>Dialogs on PostgreSQL: a message accepted before a full restart is still answered after it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDialogTests : IAsyncLifetime
{
    private string _connectionString = "";
    private FakeOpenAi _fake = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await TestServers.CreateDatabaseAsync("dialogs");
        await using var dataSource = NpgsqlDataSource.Create(_connectionString);
        await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync();
        _fake = await FakeOpenAi.StartAsync();
    }

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private Task<TestCluster> Start() => ReplyXClusterFixture.Start(new()
    {
        ["Storage:Provider"] = "Postgres",
        ["ConnectionStrings:Postgres"] = _connectionString,
        ["Test:ServiceId"] = "replyx-dialog-tests",
        ["Ai:DirectoryRefresh"] = "00:00:00.050",
    });

    private async Task AddKey(TestCluster cluster, string apiKey, string model) =>
        await cluster.GrainFactory.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(Guid.NewGuid(), AiProviderKind.Custom, _fake.BaseUrl, [model], 1, null, null, true, null, null, null, null), apiKey);

    /// <summary>An account row (assistants reference it), a key for a fresh model, and an assistant using that model.</summary>
    private async Task<(Guid Account, Guid Assistant)> AccountWithAssistant(TestCluster cluster, string name)
    {
        var account = Guid.NewGuid();
        var model = name.ToLowerInvariant() + "-" + Guid.NewGuid().ToString("N")[..6];
        await AddKey(cluster, "sk-" + model, model);
        await using (var db = NpgsqlDataSource.Create(_connectionString))
        await using (var insert = db.CreateCommand("INSERT INTO accounts (id, name) VALUES (@id, @name)"))
        {
            insert.Parameters.AddWithValue("id", account);
            insert.Parameters.AddWithValue("name", name);
            await insert.ExecuteNonQueryAsync();
        }
        var assistantId = Guid.NewGuid();
        await cluster.GrainFactory.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            name, "Be brief.", model, null, "en", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));
        return (account, assistantId);
    }

    [Fact]
    public async Task A_message_with_a_nul_character_is_stored_without_it_and_answered()
    {
        await using var cluster = await Start();
        var (account, assistantId) = await AccountWithAssistant(cluster, "Nul");
        var dialog = cluster.GrainFactory.GetGrain<IDialogGrain>(Guid.NewGuid());
        await dialog.Open(new DialogStart(account, assistantId, "test", null));

        // PostgreSQL refuses U+0000 in text: stored as is, this message would fail on every redelivery.
        await dialog.PostUserMessage("where\0 is it?", "ext-nul");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!(await dialog.Get(account))!.Recent.Any(m => m.Author == MessageAuthor.Assistant))
        {
            await Task.Delay(20, timeout.Token);
        }

        Assert.Equal(["where is it?", "Echo: where is it?"], (await dialog.Get(account))!.Recent.Select(m => m.Text));
    }

    [Fact]
    public async Task A_message_arriving_while_the_previous_answer_is_being_stored_is_never_skipped()
    {
        // Regression: a message stored while the answering loop was reading the table could be marked as
        // handled without an answer. Each round posts the next message the moment the previous answer shows.
        await using var cluster = await Start();
        var (account, assistantId) = await AccountWithAssistant(cluster, "Race");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async d =>
        {
            var dialog = cluster.GrainFactory.GetGrain<IDialogGrain>(Guid.NewGuid());
            await dialog.Open(new DialogStart(account, assistantId, "test", null));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            for (var round = 1; round <= 25; round++)
            {
                await dialog.PostUserMessage($"d{d} r{round}", null);
                while ((await dialog.Get(account))!.Recent.Count(m => m.Author == MessageAuthor.Assistant && m.Text == $"Echo: d{d} r{round}") == 0)
                {
                    await Task.Delay(1, timeout.Token);
                }
            }
        }));
    }

    [Fact]
    public async Task A_message_accepted_before_a_restart_is_answered_after_it()
    {
        var account = Guid.NewGuid();
        var assistantId = Guid.NewGuid();
        var dialogId = Guid.NewGuid();
        var model = "pg-model-" + Guid.NewGuid().ToString("N")[..6];
        var limited = "sk-limited-" + Guid.NewGuid().ToString("N");
        _fake.For(limited).RateLimitedRetryAfterSeconds = 600;

        await using (var first = await Start())
        {
            await AddKey(first, limited, model);
            await using (var db = NpgsqlDataSource.Create(_connectionString))
            await using (var insert = db.CreateCommand("INSERT INTO accounts (id, name) VALUES (@id, 'Acme')"))
            {
                insert.Parameters.AddWithValue("id", account);
                await insert.ExecuteNonQueryAsync();
            }
            await first.GrainFactory.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
                "Support", "Be helpful.", model, null, "ru", [], HandoffRules.Default, WidgetSettings.Default, null));
            var dialog = first.GrainFactory.GetGrain<IDialogGrain>(dialogId);
            await dialog.Open(new DialogStart(account, assistantId, "test", "chat-42"));
            var posted = await dialog.PostUserMessage("Где мой заказ?", "update-1");
            Assert.Equal(1, posted.Seq);
            while (_fake.ServedTo(limited).Count == 0)
            {
                await Task.Delay(20);
            }
            Assert.Equal(0, (await dialog.Get(account))!.Recent.Count(m => m.Author == MessageAuthor.Assistant));
            await first.StopAllSilosAsync();
        }

        _fake.For(limited).RateLimitedRetryAfterSeconds = null;
        await using var second = await Start();
        await AddKey(second, "sk-healthy-" + Guid.NewGuid().ToString("N"), model);
        var again = second.GrainFactory.GetGrain<IDialogGrain>(dialogId);

        DialogSnapshot snapshot;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            while (!(snapshot = (await again.Get(account))!).Recent.Any(m => m.Author == MessageAuthor.Assistant))
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        Assert.Equal("Echo: Где мой заказ?", snapshot.Recent.Single(m => m.Author == MessageAuthor.Assistant).Text);
        Assert.True((await again.PostUserMessage("Где мой заказ?", "update-1")).Duplicate);
        var store = new PostgresDialogStore(NpgsqlDataSource.Create(_connectionString));
        Assert.Equal([MessageAuthor.User, MessageAuthor.Assistant], (await store.Messages(dialogId, 0, 10)).Select(m => m.Author));
        Assert.Equal(DialogMode.Ai, (await store.GetDialog(dialogId))!.Mode);
    }
}
