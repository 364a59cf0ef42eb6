using Microsoft.Extensions.DependencyInjection;
using ReplyX.Assistants;
using ReplyX.Dialogs;

using ReplyX.Tests.Ai;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Dialogs;

[Collection(AiCollection.Name)]
public sealed class DialogGrainTests(AiClusterFixture fixture)
{
    private readonly Guid _account = Guid.NewGuid();

    private IDialogStore Store => fixture.Silo.GetRequiredService<IDialogStore>();

    private async Task<(IDialogGrain Dialog, string Key, Guid DialogId)> NewDialog(
        int maxAiTurns = 0, string? model = null, string? fallback = null, TimeSpan latency = default, string language = "ru")
    {
        model ??= "dialog-" + Guid.NewGuid().ToString("N")[..8];
        var key = $"sk-dialog-{Guid.NewGuid():N}";
        fixture.Fake.For(key).Latency = latency;
        if (!model.StartsWith("offline", StringComparison.Ordinal))
        {
            await fixture.AddKey(key, model);
        }
        var assistantId = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(assistantId).Create(_account, new AssistantSettings(
            "Support", "You are a support assistant.", model, null, language, [], HandoffRules.Default with { MaxAiTurns = maxAiTurns },
            WidgetSettings.Default, fallback));
        var dialogId = Guid.NewGuid();
        var dialog = fixture.Cluster.GrainFactory.GetGrain<IDialogGrain>(dialogId);
        await dialog.Open(new DialogStart(_account, assistantId, "test", null));
        return (dialog, key, dialogId);
    }

    /// <summary>Polls the dialog (the test's signal) until the condition holds or 15 s pass.</summary>
    private async Task<DialogSnapshot> WaitFor(IDialogGrain dialog, Func<DialogSnapshot, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var snapshot = (await dialog.Get(_account))!;
            if (condition(snapshot))
            {
                return snapshot;
            }
            await Task.Delay(20, timeout.Token);
        }
    }

    private static IEnumerable<DialogMessage> By(DialogSnapshot s, MessageAuthor author) => s.Recent.Where(m => m.Author == author);

    [Fact]
    public async Task Messages_are_answered_strictly_in_order_one_ai_call_at_a_time()
    {
        var (dialog, key, dialogId) = await NewDialog(latency: TimeSpan.FromMilliseconds(60));

        for (var i = 1; i <= 5; i++)
        {
            var posted = await dialog.PostUserMessage($"question {i}", null);
            Assert.False(posted.Duplicate);
        }
        var done = await WaitFor(dialog, s => By(s, MessageAuthor.Assistant).Count() == 5 && !s.AiBusy);

        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"Echo: question {i}"), By(done, MessageAuthor.Assistant).Select(m => m.Text));
        Assert.Equal(Enumerable.Range(1, done.Recent.Count).Select(i => (long)i), done.Recent.Select(m => m.Seq));
        Assert.Equal(5, fixture.Fake.ServedTo(key).Count);
        // Each call waits for the previous one to end: the model never sees two of this dialog's at once.
        Assert.Equal(1, fixture.Fake.MaxInFlight(key));
        var stored = await Store.Messages(dialogId, 0, 100);
        Assert.Equal(done.Recent, stored);
    }

    [Fact]
    public async Task An_operator_taking_over_during_an_ai_call_cancels_it_and_no_ai_answer_is_stored()
    {
        var (dialog, key, dialogId) = await NewDialog(latency: TimeSpan.FromMilliseconds(800));
        var operatorId = Guid.NewGuid();

        await dialog.PostUserMessage("I need help with my order", null);
        while (!fixture.Fake.Arrivals.Contains(key))
        {
            await Task.Delay(10);
        }
        var taken = (await dialog.Takeover(_account, operatorId))!;
        Assert.Equal(DialogMode.Operator, taken.Mode);
        // The call was in flight (the fake saw it arrive, above) and is cancelled: the snapshot may already show it ended.

        var after = await WaitFor(dialog, s => !s.AiBusy);

        Assert.Empty(fixture.Fake.ServedTo(key)); // the model call was cancelled before the provider answered…
        Assert.Empty(By(after, MessageAuthor.Assistant)); // …and nothing was stored in its place
        Assert.Equal(DialogMode.Operator, after.Mode);
        Assert.Equal(operatorId, after.OperatorId);
        Assert.DoesNotContain(await Store.Messages(dialogId, 0, 100), m => m.Author == MessageAuthor.Assistant);

        await dialog.PostOperatorMessage(_account, operatorId, "Здравствуйте, я оператор.", null);
        await dialog.PostUserMessage("thanks", null);
        var operatorMode = (await dialog.Get(_account))!;
        Assert.Equal(["I need help with my order", "Здравствуйте, я оператор.", "thanks"], operatorMode.Recent.Select(m => m.Text));
        Assert.Empty(fixture.Fake.ServedTo(key)); // the AI stays quiet while the operator has the dialog

        await dialog.Release(_account, operatorId);
        await dialog.PostUserMessage("one more question", null);
        var released = await WaitFor(dialog, s => By(s, MessageAuthor.Assistant).Any());
        Assert.Equal("Echo: one more question", By(released, MessageAuthor.Assistant).Single().Text);
    }

    [Fact]
    public async Task A_handoff_keyword_moves_the_dialog_to_waiting_without_asking_the_ai()
    {
        var (dialog, key, _) = await NewDialog();

        await dialog.PostUserMessage("Позовите ОПЕРАТОРА, пожалуйста", null);

        var s = await WaitFor(dialog, x => x.Mode == DialogMode.Waiting);
        Assert.Empty(fixture.Fake.ServedTo(key));
        Assert.Equal("Соединяю вас с оператором. Пожалуйста, подождите.", By(s, MessageAuthor.System).Single().Text);
        Assert.False(HandoffPolicy.MatchesKeyword("кооператив", HandoffRules.Default.Keywords));
        Assert.True(HandoffPolicy.MatchesKeyword("нужен живой человек", HandoffRules.Default.Keywords));
    }

    [Fact]
    public async Task The_models_own_handoff_signal_moves_the_dialog_to_waiting()
    {
        var (dialog, _, _) = await NewDialog(language: "en");
        var previous = fixture.Fake.Reply;
        fixture.Fake.Reply = text => text.Contains("refund", StringComparison.Ordinal) ? "Let me get a colleague. [HANDOFF]" : previous(text);
        try
        {
            await dialog.PostUserMessage("I want a refund for order 42", null);
            var s = await WaitFor(dialog, x => x.Mode == DialogMode.Waiting);

            Assert.Equal("Let me get a colleague.", By(s, MessageAuthor.Assistant).Single().Text);
            Assert.Equal("Connecting you to a human operator. Please wait.", By(s, MessageAuthor.System).Single().Text);
        }
        finally
        {
            fixture.Fake.Reply = previous;
        }
    }

    [Fact]
    public async Task A_redelivered_message_is_stored_and_answered_once()
    {
        var (dialog, key, dialogId) = await NewDialog();

        var first = await dialog.PostUserMessage("hello", "update-1001");
        var again = await dialog.PostUserMessage("hello", "update-1001");
        await WaitFor(dialog, s => By(s, MessageAuthor.Assistant).Any() && !s.AiBusy);

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Seq, again.Seq);
        Assert.Single(await Store.Messages(dialogId, 0, 100), m => m.Author == MessageAuthor.User);
        Assert.Single(fixture.Fake.ServedTo(key));
    }

    [Fact]
    public async Task Without_a_provider_the_dialog_answers_with_the_marked_fallback_and_calls_an_operator()
    {
        var (dialog, _, _) = await NewDialog(model: "offline-" + Guid.NewGuid().ToString("N")[..6], fallback: "Оператор ответит в течение 10 минут.");

        await dialog.PostUserMessage("Есть кто?", null);
        var s = await WaitFor(dialog, x => x.Mode == DialogMode.Waiting);

        var answer = By(s, MessageAuthor.Assistant).Single();
        Assert.True(answer.Offline);
        Assert.Equal("Оператор ответит в течение 10 минут.", answer.Text);
    }

    [Fact]
    public async Task After_max_ai_turns_the_assistant_offers_a_human_once()
    {
        var (dialog, _, _) = await NewDialog(maxAiTurns: 2);

        for (var i = 1; i <= 3; i++)
        {
            await dialog.PostUserMessage($"q{i}", null);
        }
        var s = await WaitFor(dialog, x => By(x, MessageAuthor.Assistant).Count() == 3 && !x.AiBusy);

        var answers = By(s, MessageAuthor.Assistant).Select(m => m.Text).ToArray();
        Assert.Equal("Echo: q1", answers[0]);
        Assert.StartsWith("Echo: q2", answers[1]);
        Assert.Contains("напишите «оператор»", answers[1]);
        Assert.Equal("Echo: q3", answers[2]);
    }

    [Fact]
    public void History_keeps_the_system_prompt_and_the_newest_messages_within_the_budget()
    {
        var messages = Enumerable.Range(1, 40)
            .Select(i => new DialogMessage(i, DateTimeOffset.UtcNow, i % 2 == 1 ? MessageAuthor.User : MessageAuthor.Assistant, new string('x', 96) + i.ToString("00"), null, false, null))
            .ToArray();

        var history = PromptBuilder.Trim("system prompt", messages, budget: 600);

        Assert.Equal("system", history[0].Role);
        Assert.Equal(new string('x', 96) + "40", history[^1].Text);
        Assert.InRange(history.Count, 5, 12);
        Assert.True(history.Sum(m => m.Text.Length / 2 + 4) <= 600);
    }

    [Fact]
    public async Task A_dialog_belongs_to_one_account()
    {
        var (dialog, _, _) = await NewDialog();
        var snapshot = (await dialog.Get(_account))!;

        await Assert.ThrowsAsync<InvalidOperationException>(() => dialog.Open(new DialogStart(Guid.NewGuid(), snapshot.AssistantId, "test", null)));
        Assert.Equal(_account, (await dialog.Open(new DialogStart(_account, snapshot.AssistantId, "test", null))).AccountId);
    }

    [Fact]
    public async Task Every_operator_facing_call_refuses_another_account_and_changes_nothing()
    {
        var (dialog, _, dialogId) = await NewDialog();
        await dialog.PostUserMessage("hello", null);
        await WaitFor(dialog, s => By(s, MessageAuthor.Assistant).Any() && !s.AiBusy);
        var intruder = Guid.NewGuid();
        var operatorId = Guid.NewGuid();

        Assert.Null(await dialog.Get(intruder));
        Assert.Null(await dialog.Takeover(intruder, operatorId));
        Assert.Null(await dialog.Release(intruder, operatorId));
        Assert.Null(await dialog.PostOperatorMessage(intruder, operatorId, "phishing link", null));
        Assert.Null(await dialog.Close(intruder));

        var own = (await dialog.Get(_account))!;
        Assert.Equal(DialogMode.Ai, own.Mode);
        Assert.Null(own.OperatorId);
        Assert.DoesNotContain(await Store.Messages(dialogId, 0, 100), m => m.Author == MessageAuthor.Operator);
    }

    [Fact]
    public async Task After_a_restart_the_human_offer_is_not_repeated()
    {
        var (dialog, _, _) = await NewDialog(maxAiTurns: 1);
        await dialog.PostUserMessage("q1", null);
        await WaitFor(dialog, s => By(s, MessageAuthor.Assistant).Count() == 1 && !s.AiBusy);

        // The activation goes away before its counters were written (they are flushed within seconds).
        await dialog.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await dialog.PostUserMessage("q2", null);
        var s = await WaitFor(dialog, x => By(x, MessageAuthor.Assistant).Count() == 2 && !x.AiBusy);

        var answers = By(s, MessageAuthor.Assistant).Select(m => m.Text).ToArray();
        Assert.Contains("напишите «оператор»", answers[0]);
        Assert.Equal("Echo: q2", answers[1]);
    }

    [Fact]
    public async Task An_answer_the_channel_could_not_take_is_handed_over_again_by_the_dialog_once()
    {
        var flaky = fixture.Silo.GetRequiredService<FlakyChannel>();
        var (dialogOfAssistant, _, _) = await NewDialog();
        var assistantId = (await dialogOfAssistant.Get(_account))!.AssistantId;
        var chat = "flaky-" + Guid.NewGuid().ToString("N")[..8];
        var dialog = fixture.Cluster.GrainFactory.GetGrain<IDialogGrain>(Guid.NewGuid());
        await dialog.Open(new DialogStart(_account, assistantId, FlakyChannel.ChannelName, chat, Guid.NewGuid()));

        await dialog.PostUserMessage("are you there?", null);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (flaky.Delivered.All(d => d.Chat != chat))
        {
            await Task.Delay(20, timeout.Token);
        }
        Assert.Equal(flaky.FailuresPerChat + 1, flaky.Attempts(chat)); // refused twice, then taken
        Assert.Equal("Echo: are you there?", flaky.Delivered.Single(d => d.Chat == chat).Text);
        // Still flagged: only the channel's outbox clears the flag, once the messenger has taken the message.
        Assert.Single(await Store.FlaggedDeliveries(dialog.GetPrimaryKey()));
    }

    [Fact]
    public async Task A_customer_writing_to_a_closed_dialog_reopens_it_and_is_answered()
    {
        var (dialog, _, _) = await NewDialog();
        await dialog.PostUserMessage("first", null);
        await WaitFor(dialog, s => By(s, MessageAuthor.Assistant).Any() && !s.AiBusy);
        Assert.Equal(DialogMode.Closed, (await dialog.Close(_account))!.Mode);

        await dialog.PostUserMessage("one more thing", "ext-reopen");
        var s = await WaitFor(dialog, x => By(x, MessageAuthor.Assistant).Count() == 2 && !x.AiBusy);

        Assert.Equal(DialogMode.Ai, s.Mode);
        Assert.Equal("Echo: one more thing", By(s, MessageAuthor.Assistant).Last().Text);
        Assert.True((await dialog.PostUserMessage("one more thing", "ext-reopen")).Duplicate);
    }
}
