using Orleans.TestingHost;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Bots;
using ReplyX.Fakes;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Bots;

/// <summary>A silo talking to a fake Telegram Bot API (through the real Telegram.Bot client) and a fake model.</summary>
public sealed class BotClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public FakeTelegram Telegram { get; private set; } = null!;
    public FakeOpenAi Ai { get; private set; } = null!;
    public const string Model = "bot-model";

    public async Task InitializeAsync()
    {
        Telegram = await FakeTelegram.StartAsync();
        Ai = await FakeOpenAi.StartAsync();
        Cluster = await ReplyXClusterFixture.Start(new()
        {
            ["Storage:Provider"] = "Memory",
            ["Telegram:ApiBaseUrl"] = Telegram.BaseUrl,
            ["Telegram:PollTimeout"] = "00:00:02",
            ["Telegram:PrivateChatInterval"] = "00:00:00.350",
            ["Telegram:RetryDelay"] = "00:00:00.100",
            // The loop's deferred offset writes land while requests write too (see the collision test).
            ["Telegram:StateFlushDelay"] = "00:00:00.050",
            ["Ai:DirectoryRefresh"] = "00:00:00.050",
            ["Telegram:ConflictGracePeriod"] = "00:00:01",
            // Small pools: a reply that had to share its connections with "typing…" hints would wait for them.
            ["Telegram:MaxCallConnections"] = "4",
            ["Telegram:MaxActionConnections"] = "4",
            ["Dialogs:RecoveryPeriod"] = "00:00:01",
            ["Dialogs:RecoveryAge"] = "00:00:00.200",
            // Bots' accounts are topped up (below): every reply and message sent is charged, as in production.
            ["Billing:Enabled"] = "true",
        });
        await Cluster.GrainFactory.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(Guid.NewGuid(), AiProviderKind.Custom, Ai.BaseUrl, [Model], 1, null, null, true, null, null, null, null), "sk-bots");
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Telegram.DisposeAsync();
        await Ai.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class BotCollection : ICollectionFixture<BotClusterFixture>
{
    public const string Name = "bots";
}

[Collection(BotCollection.Name)]
public sealed class BotGrainTests(BotClusterFixture fixture)
{
    private readonly Guid _account = Guid.NewGuid();

    private async Task<Guid> Assistant()
    {
        await fixture.Cluster.GrainFactory.GetGrain<ReplyX.Billing.IBalanceGrain>(_account).Apply(
            new ReplyX.Billing.Movement("topup", 100 * ReplyX.Billing.Money.UnitsPerRouble, ReplyX.Billing.LedgerKind.TopUp));
        var id = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(id).Create(_account, new AssistantSettings(
            "Bot assistant", "Be brief.", BotClusterFixture.Model, null, "ru", [], HandoffRules.Default, WidgetSettings.Default, null));
        return id;
    }

    private async Task<(IBotGrain Bot, string Token)> Connected(string username)
    {
        var token = fixture.Telegram.AddBot(username);
        var bot = fixture.Cluster.GrainFactory.GetGrain<IBotGrain>(Guid.NewGuid());
        var result = await bot.Connect(_account, await Assistant(), token);
        Assert.Equal(ConnectError.None, result.Error);
        Assert.Equal(username, result.Bot!.Username);
        return (bot, token);
    }

    private static async Task Until(Func<Task<bool>> condition, int seconds = 15)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (!await condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    [Fact]
    public async Task A_connected_bot_polls_and_answers_a_user_through_the_assistant()
    {
        var (bot, token) = await Connected("shop_support_bot");

        fixture.Telegram.UserWrites(token, 1001, "Когда приедет заказ?");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));

        var sent = Assert.Single(fixture.Telegram.SentBy(token));
        Assert.Equal(1001, sent.ChatId);
        Assert.Equal("Echo: Когда приедет заказ?", sent.Text);
        var view = (await bot.Get(_account))!;
        Assert.Equal(BotStatus.Running, view.Status);
        Assert.Equal(1, view.UpdatesIn);
        Assert.Equal(1, view.RepliesOut);
        Assert.Null(await bot.Get(Guid.NewGuid())); // another account sees nothing
        // The reply and the message that carried it are each charged once, to the bot's account.
        await Until(async () => (await fixture.Cluster.GrainFactory.GetGrain<ReplyX.Billing.IBillingQueryGrain>(0).Ledger(_account, new ReplyX.Billing.LedgerQuery(100)))
            .Any(e => e.Service == ReplyX.Billing.BillingServices.BotMessage));
        var ledger = await fixture.Cluster.GrainFactory.GetGrain<ReplyX.Billing.IBillingQueryGrain>(0).Ledger(_account, new ReplyX.Billing.LedgerQuery(100));
        Assert.Equal(-1_000, Assert.Single(ledger, e => e.Service == ReplyX.Billing.BillingServices.BotMessage).Amount);
        Assert.Equal(-1_000, Assert.Single(ledger, e => e.Service == ReplyX.Billing.BillingServices.AiMessage).Amount);
        Assert.Equal(100 * ReplyX.Billing.Money.UnitsPerRouble - 2_000, (await fixture.Cluster.GrainFactory.GetGrain<ReplyX.Billing.IBalanceGrain>(_account).Get()).Balance);
    }

    [Fact]
    public async Task A_wrong_token_is_rejected_and_a_bot_cannot_be_connected_twice()
    {
        var assistant = await Assistant();
        var rejected = await fixture.Cluster.GrainFactory.GetGrain<IBotGrain>(Guid.NewGuid()).Connect(_account, assistant, "123456:AAnot-a-real-token-at-all-xxxxxxxx");
        Assert.Equal(ConnectError.TokenRejected, rejected.Error);

        var (_, token) = await Connected("twice_bot");
        var again = await fixture.Cluster.GrainFactory.GetGrain<IBotGrain>(Guid.NewGuid()).Connect(_account, assistant, token);
        Assert.Equal(ConnectError.AlreadyConnected, again.Error);
    }

    [Fact]
    public async Task Replies_to_one_chat_are_paced_and_keep_their_order()
    {
        var (_, token) = await Connected("paced_bot");
        var before = fixture.Telegram.RateLimited;

        for (var i = 1; i <= 5; i++)
        {
            fixture.Telegram.UserWrites(token, 2002, $"вопрос {i}");
        }
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 5), 30);

        var sent = fixture.Telegram.SentBy(token);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"Echo: вопрос {i}"), sent.Select(m => m.Text));
        Assert.All(sent.Zip(sent.Skip(1)), p => Assert.True(p.Second.At - p.First.At >= TimeSpan.FromMilliseconds(340)));
        Assert.Equal(before, fixture.Telegram.RateLimited);
    }

    [Fact]
    public async Task A_revoked_token_stops_the_bot_with_a_clear_reason_instead_of_spinning()
    {
        var (bot, token) = await Connected("revoked_bot");
        await Until(async () => (await bot.Get(_account))!.Status == BotStatus.Running);

        fixture.Telegram.RevokeToken(token);
        await Until(async () => (await bot.Get(_account))!.Status == BotStatus.Failed);

        Assert.Contains("token", (await bot.Get(_account))!.LastError);
    }

    [Fact]
    public async Task Stop_and_start_control_polling()
    {
        var (bot, token) = await Connected("switch_bot");
        Assert.Equal(BotStatus.Stopped, (await bot.Stop(_account))!.Status);
        // Stopping ends the long poll in flight (cancelled), and no new one starts.
        await Until(() => Task.FromResult(!fixture.Telegram.Polling(token)));
        var polls = fixture.Telegram.Polls(token);
        fixture.Telegram.UserWrites(token, 3003, "hello?");
        Assert.Equal(1, fixture.Telegram.Pending(token));
        Assert.False(fixture.Telegram.Polling(token));
        Assert.Empty(fixture.Telegram.SentBy(token));

        await bot.Start(_account);
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        Assert.Equal("Echo: hello?", fixture.Telegram.SentBy(token).Single().Text);
        Assert.True(fixture.Telegram.Polls(token) > polls);
    }

    [Fact]
    public void Long_answers_are_split_on_paragraph_and_sentence_boundaries()
    {
        var paragraph = string.Join(" ", Enumerable.Repeat("Это предложение о доставке.", 100));
        var text = paragraph + "\n\n" + paragraph + "\n\n" + paragraph;

        var parts = TelegramText.Split(text);

        Assert.All(parts, p => Assert.InRange(p.Length, 1, TelegramText.MaxLength));
        Assert.Equal(text.Replace("\n", "").Replace(" ", ""), string.Concat(parts).Replace("\n", "").Replace(" ", ""));
        Assert.All(parts, p => Assert.EndsWith(".", p));
        Assert.Single(TelegramText.Split("short"));
    }

    [Fact]
    public async Task Start_is_greeted_and_a_photo_gets_a_polite_text_only_reply_without_the_ai()
    {
        var (_, token) = await Connected("greeting_bot");
        var aiCallsBefore = fixture.Ai.Requests.Count;

        fixture.Telegram.UserWrites(token, 4004, "/start");
        fixture.Telegram.UserSendsPhoto(token, 4004);
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 2));

        Assert.Equal(["Здравствуйте! Чем могу помочь?", "Извините, я понимаю только текстовые сообщения. Опишите, пожалуйста, словами."],
            fixture.Telegram.SentBy(token).Select(m => m.Text));
        Assert.Equal(aiCallsBefore, fixture.Ai.Requests.Count);
    }

    [Fact]
    public async Task In_groups_the_bot_answers_only_when_mentioned_or_replied_to()
    {
        var (_, token) = await Connected("group_helper_bot");

        fixture.Telegram.UserWrites(token, -5005, "обсуждаем между собой");
        fixture.Telegram.UserWrites(token, -5005, "@group_helper_bot где доставка?");
        fixture.Telegram.UserRepliesToBot(token, -5005, "а сколько стоит?");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 2), 30);

        Assert.Equal(["Echo: где доставка?", "Echo: а сколько стоит?"], fixture.Telegram.SentBy(token).Select(m => m.Text));
    }

    [Fact]
    public async Task Replies_to_a_group_are_spaced_to_stay_under_twenty_a_minute()
    {
        var (_, token) = await Connected("busy_group_bot");
        var before = fixture.Telegram.RateLimited;
        for (var i = 0; i < 4; i++)
        {
            fixture.Telegram.UserWrites(token, -6006, $"@busy_group_bot вопрос {i}");
        }
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 4), 40);

        var sent = fixture.Telegram.SentBy(token);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"Echo: вопрос {i}"), sent.Select(m => m.Text));
        Assert.All(sent.Zip(sent.Skip(1)), pair => Assert.True(pair.Second.At - pair.First.At >= TimeSpan.FromSeconds(2.9),
            $"group replies {pair.First.At:HH:mm:ss.fff} and {pair.Second.At:HH:mm:ss.fff} are closer than 3 s"));
        Assert.Equal(before, fixture.Telegram.RateLimited); // the fake's 20-per-minute group limit never answered 429
    }

    [Fact]
    public async Task Telegrams_flood_limit_is_honoured_and_every_reply_arrives_once()
    {
        var (bot, token) = await Connected("busy_bot");
        var before = fixture.Telegram.RateLimited;
        fixture.Telegram.PerBotPerSecond = 2; // Telegram is stricter than the bot's own pacing here
        try
        {
            for (var chat = 0; chat < 6; chat++)
            {
                fixture.Telegram.UserWrites(token, 7000 + chat, $"chat {chat}");
            }
            await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 6), 30);
        }
        finally
        {
            fixture.Telegram.PerBotPerSecond = 30;
        }

        Assert.True(fixture.Telegram.RateLimited > before, "the fake should have answered 429 at least once");
        Assert.Equal(Enumerable.Range(0, 6).Select(c => $"Echo: chat {c}").Order(), fixture.Telegram.SentBy(token).Select(m => m.Text).Order());
        Assert.True((await bot.Get(_account))!.RateLimited > 0);
    }

    [Fact]
    public async Task A_user_who_blocked_the_bot_does_not_stall_the_queue()
    {
        var (bot, token) = await Connected("blocked_bot");
        fixture.Telegram.BlockedChats[8008] = true;

        fixture.Telegram.UserWrites(token, 8008, "bye");
        fixture.Telegram.UserWrites(token, 8009, "hi");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        await Until(async () => (await bot.Get(_account))!.QueueLength == 0);

        Assert.Equal(8009, Assert.Single(fixture.Telegram.SentBy(token)).ChatId);
        // The dialog says why the customer hears nothing, and stops trying until they write again.
        var dialog = fixture.Cluster.GrainFactory.GetGrain<ReplyX.Dialogs.IDialogGrain>(ReplyX.Dialogs.DialogKeys.For("telegram", bot.GetPrimaryKey(), "8008"));
        await Until(async () => (await dialog.Get(_account))!.Recent.Any(m => m.Author == ReplyX.Dialogs.MessageAuthor.System));
        Assert.Contains("заблокировал", (await dialog.Get(_account))!.Recent.Last().Text);

        fixture.Telegram.BlockedChats.TryRemove(8008, out _);
        fixture.Telegram.UserWrites(token, 8008, "I'm back");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any(m => m.ChatId == 8008)));
        Assert.Equal("Echo: I'm back", fixture.Telegram.SentBy(token).Single(m => m.ChatId == 8008).Text);
    }

    [Fact]
    public async Task Queued_replies_survive_the_loss_of_the_outbox_activation_and_go_out_once()
    {
        var (bot, token) = await Connected("crash_bot");
        var store = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ReplyX.Dialogs.IDialogStore>(((InProcessSiloHandle)fixture.Cluster.Primary!).SiloHost.Services);
        var outbox = fixture.Cluster.GrainFactory.GetGrain<IBotOutboxGrain>(bot.GetPrimaryKey());
        var dialog = fixture.Cluster.GrainFactory.GetGrain<ReplyX.Dialogs.IDialogGrain>(ReplyX.Dialogs.DialogKeys.For("telegram", bot.GetPrimaryKey(), "6006"));
        fixture.Telegram.FailSends = true;
        try
        {
            fixture.Telegram.UserWrites(token, 6006, "are you there?");
            await Until(async () => (await bot.Get(_account))!.QueueLength == 1 && (await store.Undelivered(bot.GetPrimaryKey(), 10)).Count == 1);

            // The activation goes away with its in-memory queue, as it would with its silo.
            await outbox.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
            await Until(async () => (await bot.Get(_account))!.QueueLength == 1); // reactivated, re-queued from the store
        }
        finally
        {
            fixture.Telegram.FailSends = false;
        }

        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        await Until(async () => (await store.Undelivered(bot.GetPrimaryKey(), 10)).Count == 0);
        // Reactivating once more finds nothing left to send (the re-queue is part of the activation, so an
        // empty queue right after it means nothing will be sent again).
        await outbox.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal(0, (await bot.Get(_account))!.QueueLength);
        Assert.Equal("Echo: are you there?", Assert.Single(fixture.Telegram.SentBy(token)).Text);
        Assert.Equal(["are you there?", "Echo: are you there?"], (await dialog.Get(_account))!.Recent.Select(m => m.Text));
    }

    [Fact]
    public async Task An_update_that_keeps_failing_is_skipped_after_five_attempts_and_the_bot_goes_on()
    {
        var (bot, token) = await Connected("poisoned_bot");
        // Chat 3003's dialog already belongs to another account, so opening it for this bot always fails.
        await fixture.Cluster.GrainFactory.GetGrain<ReplyX.Dialogs.IDialogGrain>(ReplyX.Dialogs.DialogKeys.For("telegram", bot.GetPrimaryKey(), "3003"))
            .Open(new ReplyX.Dialogs.DialogStart(Guid.NewGuid(), Guid.NewGuid(), "telegram", "3003", bot.GetPrimaryKey()));

        fixture.Telegram.UserWrites(token, 3003, "poison");
        fixture.Telegram.UserWrites(token, 3004, "still there?");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()), 30);

        Assert.Equal(("Echo: still there?", 3004L), (fixture.Telegram.SentBy(token).Single().Text, fixture.Telegram.SentBy(token).Single().ChatId));
        var view = (await bot.Get(_account))!;
        Assert.Equal(BotStatus.Running, view.Status);
        Assert.Contains("another account", view.LastError);
    }

    [Fact]
    public async Task A_slow_answer_shows_typing_in_the_chat_and_a_quick_one_does_not()
    {
        var (_, token) = await Connected("typing_bot");
        fixture.Telegram.UserWrites(token, 4004, "quick");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 1));
        Assert.DoesNotContain(token, fixture.Telegram.ChatActions);

        fixture.Ai.For("sk-bots").Latency = TimeSpan.FromSeconds(2.5);
        try
        {
            fixture.Telegram.UserWrites(token, 4004, "slow");
            await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 2), 30);
        }
        finally
        {
            fixture.Ai.For("sk-bots").Latency = TimeSpan.Zero;
        }
        Assert.Contains(token, fixture.Telegram.ChatActions);
        Assert.Equal("Echo: slow", fixture.Telegram.SentBy(token)[1].Text);
    }

    [Fact]
    public async Task Per_bot_and_total_series_are_exported_for_metrics()
    {
        var (bot, token) = await Connected("metered_bot");
        fixture.Telegram.UserWrites(token, 5005, "count me");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));

        using var stream = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream);
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var label = $"{{bot=\"{bot.GetPrimaryKey()}\"}}";
        Assert.Contains($"replyx_bot_updates_by_bot_total{label} 1", text);
        Assert.Contains($"replyx_bot_replies_by_bot_total{label} 1", text);
        Assert.Contains($"replyx_bot_queue_length_by_bot{label} 0", text);
        Assert.Contains($"replyx_bot_send_seconds_by_bot_count{label} 1", text);
        Assert.Matches(@"replyx_bot_replies_total [1-9]", text);
    }

    [Fact]
    public async Task Rotating_the_token_keeps_the_bot_and_its_dialogs()
    {
        var (bot, token) = await Connected("rotating_bot");
        fixture.Telegram.UserWrites(token, 9009, "first");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 1));
        var dialogId = ReplyX.Dialogs.DialogKeys.For("telegram", bot.GetPrimaryKey(), "9009");

        var newToken = fixture.Telegram.RotateToken(token);
        var rotated = await bot.RotateToken(_account, newToken);
        Assert.Equal(ConnectError.None, rotated.Error);
        var wrongBot = await bot.RotateToken(_account, fixture.Telegram.AddBot("someone_else_bot"));
        Assert.Equal(ConnectError.TokenRejected, wrongBot.Error);

        fixture.Telegram.UserWrites(newToken, 9009, "second");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(newToken).Count == 1));
        var history = (await fixture.Cluster.GrainFactory.GetGrain<ReplyX.Dialogs.IDialogGrain>(dialogId).Get(_account))!;
        Assert.Equal(["first", "Echo: first", "second", "Echo: second"], history.Recent.Select(m => m.Text));
    }

    [Fact]
    public async Task A_second_receiver_of_the_same_bot_fails_it_with_a_clear_reason()
    {
        var (bot, token) = await Connected("conflict_bot");
        await Until(async () => (await bot.Get(_account))!.Status == BotStatus.Running);

        fixture.Telegram.SetWebhookElsewhere(token);
        await Until(async () => (await bot.Get(_account))!.Status == BotStatus.Failed);

        Assert.Contains("Another program", (await bot.Get(_account))!.LastError);
    }

    [Fact]
    public async Task A_brief_second_poller_draws_a_409_and_the_bot_keeps_answering()
    {
        var (bot, token) = await Connected("double_bot");
        await Until(async () => (await bot.Get(_account))!.Status == BotStatus.Running);
        var conflicts = fixture.Telegram.Conflicts;

        // A second instance polls for a moment (as during a brief double activation): Telegram ends the older poll with 409.
        var other = new Telegram.Bot.TelegramBotClient(new Telegram.Bot.TelegramBotClientOptions(token, fixture.Telegram.BaseUrl));
        var secondPoll = Telegram.Bot.TelegramBotClientExtensions.GetUpdates(other, timeout: 1);
        await Until(() => Task.FromResult(fixture.Telegram.Conflicts > conflicts));
        await Assert.ThrowsAnyAsync<Exception>(() => secondPoll.WaitAsync(TimeSpan.FromSeconds(10))); // the bot's next poll ends it in turn

        fixture.Telegram.UserWrites(token, 9101, "still there?");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        Assert.Equal("Echo: still there?", fixture.Telegram.SentBy(token).Single().Text);
        Assert.Equal(BotStatus.Running, (await bot.Get(_account))!.Status);
    }

    [Fact]
    public async Task A_chat_that_refuses_a_message_for_good_does_not_stall_the_others_and_the_dialog_says_why()
    {
        var (bot, token) = await Connected("rejecting_bot");
        fixture.Telegram.RejectedChats[9201] = "Bad Request: chat not found";

        fixture.Telegram.UserWrites(token, 9201, "first");
        fixture.Telegram.UserWrites(token, 9202, "second");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        await Until(async () => (await bot.Get(_account))!.QueueLength == 0);

        Assert.Equal(9202, Assert.Single(fixture.Telegram.SentBy(token)).ChatId);
        var dialog = fixture.Cluster.GrainFactory.GetGrain<ReplyX.Dialogs.IDialogGrain>(ReplyX.Dialogs.DialogKeys.For("telegram", bot.GetPrimaryKey(), "9201"));
        await Until(async () => (await dialog.Get(_account))!.Recent.Any(m => m.Author == ReplyX.Dialogs.MessageAuthor.System));
        Assert.Contains("chat not found", (await dialog.Get(_account))!.Recent.Last().Text);
    }

    [Fact]
    public async Task A_group_upgraded_to_a_supergroup_gets_its_reply_under_the_new_id()
    {
        var (_, token) = await Connected("migrated_bot");
        fixture.Telegram.MigratedChats[-9301] = -1009301;

        fixture.Telegram.UserWrites(token, -9301, "@migrated_bot hello");

        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        Assert.Equal(-1009301, fixture.Telegram.SentBy(token).Single().ChatId);
    }

    [Fact]
    public async Task Typing_hints_never_delay_a_queued_reply()
    {
        var (_, token) = await Connected("busy_typing_bot");
        // Every hint takes 3 s to be answered; answers take 1.2 s, so each chat asks for one first.
        fixture.Telegram.ChatActionLatency = TimeSpan.FromSeconds(3);
        fixture.Ai.For("sk-bots").Latency = TimeSpan.FromSeconds(1.2);
        var written = new Dictionary<long, DateTimeOffset>();
        try
        {
            for (var chat = 9401; chat <= 9412; chat++)
            {
                written[chat] = DateTimeOffset.UtcNow;
                fixture.Telegram.UserWrites(token, chat, $"q{chat}");
            }
            await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 12), 30);
        }
        finally
        {
            fixture.Telegram.ChatActionLatency = TimeSpan.Zero;
            fixture.Ai.For("sk-bots").Latency = TimeSpan.Zero;
        }
        // A reply that had waited behind a hint would arrive 3 s after it was due.
        Assert.All(fixture.Telegram.SentBy(token), m => Assert.True(m.At - written[m.ChatId] < TimeSpan.FromSeconds(2.8), $"chat {m.ChatId}: {(m.At - written[m.ChatId]).TotalSeconds:0.0} s"));
    }

    [Fact]
    public async Task State_writes_from_the_poll_loop_and_from_requests_never_collide()
    {
        var (bot, token) = await Connected("busy_state_bot");
        // Updates keep the loop writing the offset while owner requests write the state too.
        var writes = Enumerable.Range(0, 40).Select(async i =>
        {
            fixture.Telegram.UserWrites(token, 9500 + i % 4, $"m{i}");
            await bot.Start(_account);
        });
        await Task.WhenAll(writes); // a colliding write would throw InconsistentStateException here or stop the loop
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Count == 40), 60);
        var view = (await bot.Get(_account))!;
        Assert.Equal(BotStatus.Running, view.Status);
        Assert.Equal(40, view.UpdatesIn);
    }

    [Fact]
    public async Task A_message_for_a_deleted_bot_is_refused_once_and_the_dialog_says_why()
    {
        var (bot, token) = await Connected("deleted_bot");
        fixture.Telegram.UserWrites(token, 9601, "hello");
        await Until(() => Task.FromResult(fixture.Telegram.SentBy(token).Any()));
        var dialog = fixture.Cluster.GrainFactory.GetGrain<ReplyX.Dialogs.IDialogGrain>(ReplyX.Dialogs.DialogKeys.For("telegram", bot.GetPrimaryKey(), "9601"));
        Assert.True(await bot.Delete(_account));

        await dialog.PostOperatorMessage(_account, Guid.NewGuid(), "Are you still there?", null);

        await Until(async () => (await dialog.Get(_account))!.Recent.Any(m => m.Author == ReplyX.Dialogs.MessageAuthor.System));
        Assert.Contains("no longer connected", (await dialog.Get(_account))!.Recent.Last().Text);
        Assert.Single(fixture.Telegram.SentBy(token)); // nothing was sent after the deletion
    }
}
