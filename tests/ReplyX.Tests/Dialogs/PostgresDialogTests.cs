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
    private async Task<(Guid Account, Guid Assistant, string Key)> AccountWithAssistant(TestCluster cluster, string name)
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
        return (account, assistantId, "sk-" + model);
    }

    [Fact]
    public async Task A_message_with_a_nul_character_is_stored_without_it_and_answered()
    {
        await using var cluster = await Start();
        var (account, assistantId, _) = await AccountWithAssistant(cluster, "Nul");
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
        var (account, assistantId, _) = await AccountWithAssistant(cluster, "Race");

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
    public async Task Questions_posted_while_answers_are_being_stored_each_get_their_own_number()
    {
        // Regression: the answering loop interleaves with requests; while an answer's insert was awaited, a
        // question took the same number and was refused as "already stored" (the memory store never awaits).
        await using var cluster = await Start();
        var (account, assistantId, _) = await AccountWithAssistant(cluster, "Numbers");
        var dialogId = Guid.NewGuid();
        var dialog = cluster.GrainFactory.GetGrain<IDialogGrain>(dialogId);
        await dialog.Open(new DialogStart(account, assistantId, "test", null));

        // A steady trickle while the loop answers: questions keep arriving while answers are being stored.
        for (var i = 1; i <= 30; i++)
        {
            Assert.False((await dialog.PostUserMessage($"q{i}", $"ext-{i}")).Duplicate);
            await Task.Delay(3);
        }
        await using var db = NpgsqlDataSource.Create(_connectionString);
        var store = new PostgresDialogStore(db);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        IReadOnlyList<DialogMessage> stored;
        while ((stored = await store.Messages(dialogId, 0, 100)).Count(m => m.Author == MessageAuthor.Assistant) < 30)
        {
            await Task.Delay(10, timeout.Token);
        }

        Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), stored.Select(m => m.Seq));
        var questions = stored.Where(m => m.Author == MessageAuthor.User).Select(m => m.Text).ToArray();
        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"q{i}").Order(), questions.Order());
        // Answered in the order the questions were stored, each once.
        Assert.Equal(questions.Select(q => "Echo: " + q), stored.Where(m => m.Author == MessageAuthor.Assistant).Select(m => m.Text));
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
            await AiWait.Until(() => Task.FromResult(_fake.ServedTo(limited).Count > 0), "the question to reach the rate-limited key", TimeSpan.FromSeconds(15));
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

    [Fact]
    public async Task A_new_dialog_whose_grain_state_was_never_written_comes_back_from_its_row_after_a_crash()
    {
        // Opening a dialog writes its `dialogs` row, not its grain state (the counters follow within a minute):
        // a silo killed before that must not lose whose dialog it is, its history or its numbering.
        var dialogId = Guid.NewGuid();
        Guid account;
        await using (var first = await Start())
        {
            (account, var assistantId, _) = await AccountWithAssistant(first, "NoState");
            var dialog = first.GrainFactory.GetGrain<IDialogGrain>(dialogId);
            await dialog.Open(new DialogStart(account, assistantId, "test", "chat-7"));
            await dialog.PostUserMessage("first question", "update-1");
            await AiWait.Until(async () => (await dialog.Get(account))!.Recent.Count == 2, "the first answer", TimeSpan.FromSeconds(15));
            await first.KillSiloAsync(first.Primary!);
        }
        await using (var db = NpgsqlDataSource.Create(_connectionString))
        await using (var count = db.CreateCommand("SELECT count(*) FROM orleans_storage WHERE grain_type_string = 'dialog'"))
        {
            Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!); // this database is the test's own: no dialog state at all
        }

        await using var second = await Start();
        var again = second.GrainFactory.GetGrain<IDialogGrain>(dialogId);
        var restored = await again.Get(account);
        Assert.NotNull(restored);
        Assert.Null(await again.Get(Guid.NewGuid())); // still another account's refusal
        Assert.Equal(DialogMode.Ai, restored.Mode);
        Assert.Equal("chat-7", (await new PostgresDialogStore(NpgsqlDataSource.Create(_connectionString)).GetDialog(dialogId))!.ExternalChat);
        Assert.True((await again.PostUserMessage("first question", "update-1")).Duplicate);
        var next = await again.PostUserMessage("second question", "update-2");
        Assert.Equal(3, next.Seq);
        await AiWait.Until(async () => (await again.Get(account))!.Recent.Count == 4, "the second answer", TimeSpan.FromSeconds(15));
        Assert.Equal("Echo: second question", (await again.Get(account))!.Recent[^1].Text);
    }

    [Fact]
    public async Task An_operator_taking_over_mid_answer_cancels_the_model_call_and_the_operator_mode_and_message_survive_a_restart()
    {
        var dialogId = Guid.NewGuid();
        var operatorId = Guid.NewGuid();
        Guid account;
        string key;
        PostResult posted;
        await using (var first = await Start())
        {
            (account, var assistantId, key) = await AccountWithAssistant(first, "Takeover");
            // Far longer than every wait below: only a cancelled call ends before the answer would come.
            _fake.For(key).Latency = TimeSpan.FromSeconds(20);
            var dialog = first.GrainFactory.GetGrain<IDialogGrain>(dialogId);
            await dialog.Open(new DialogStart(account, assistantId, "test", null));
            await dialog.PostUserMessage("Where is my order?", "update-1");
            await AiWait.Until(() => Task.FromResult(_fake.Arrivals.Contains(key)), "the question to reach the model", TimeSpan.FromSeconds(15));
            // Asked before the takeover: the snapshot Takeover returns may already show the cancelled loop ended.
            Assert.True((await dialog.Get(account))!.AiBusy, "the takeover was meant to happen while the model call was in flight");

            var taken = (await dialog.Takeover(account, operatorId))!;

            Assert.Equal(DialogMode.Operator, taken.Mode);
            Assert.Equal(operatorId, taken.OperatorId);
            await AiWait.Until(() => Task.FromResult(_fake.Aborted.Contains(key)), "the model call to be cancelled", TimeSpan.FromSeconds(10));
            await AiWait.Until(async () => !(await dialog.Get(account))!.AiBusy, "the answering loop to stop", TimeSpan.FromSeconds(10));
            posted = (await dialog.PostOperatorMessage(account, operatorId, "Hello, I am taking over.", "operator-msg-1"))!;
            Assert.False(posted.Duplicate);
            // Killed, not stopped: no deactivation writes the state late, so it must have been written at the takeover.
            await first.KillSiloAsync(first.Primary!);
        }

        await using var second = await Start();
        var again = second.GrainFactory.GetGrain<IDialogGrain>(dialogId);
        var restored = (await again.Get(account))!;
        Assert.Equal(DialogMode.Operator, restored.Mode);
        Assert.Equal(operatorId, restored.OperatorId);
        Assert.False(restored.AiBusy, "the restored dialog started an AI call although an operator has it");
        // The operator's client retries after the restart: the message is not stored twice.
        var retried = (await again.PostOperatorMessage(account, operatorId, "Hello, I am taking over.", "operator-msg-1"))!;
        Assert.True(retried.Duplicate);
        Assert.Equal(posted.Seq, retried.Seq);

        await using var db = NpgsqlDataSource.Create(_connectionString);
        var rows = new List<(string Author, string Text, Guid? OperatorId)>();
        await using (var messages = db.CreateCommand("SELECT author, text, operator_id FROM dialog_messages WHERE dialog_id = @id ORDER BY seq"))
        {
            messages.Parameters.AddWithValue("id", dialogId);
            await using var reader = await messages.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetGuid(2)));
            }
        }
        Assert.Equal(new (string, string, Guid?)[] { ("user", "Where is my order?", null), ("operator", "Hello, I am taking over.", operatorId) }, rows);
        await using (var row = db.CreateCommand("SELECT mode, operator_id FROM dialogs WHERE id = @id"))
        {
            row.Parameters.AddWithValue("id", dialogId);
            await using var reader = await row.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("operator", reader.GetString(0));
            Assert.Equal(operatorId, reader.GetGuid(1));
        }
        Assert.Empty(_fake.ServedTo(key)); // the provider never finished an answer
    }
}
