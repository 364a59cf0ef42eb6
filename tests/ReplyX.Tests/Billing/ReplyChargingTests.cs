using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Billing;
using ReplyX.Dialogs;
using ReplyX.Fakes;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Billing;

/// <summary>A memory cluster with charging on and the fake OpenAI-compatible server.</summary>
public sealed class BilledCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public FakeOpenAi Fake { get; private set; } = null!;

    public IServiceProvider Silo => Assert.IsType<InProcessSiloHandle>(Cluster.Primary).SiloHost.Services;

    public async Task InitializeAsync()
    {
        Fake = await FakeOpenAi.StartAsync();
        Cluster = await ReplyXClusterFixture.Start(new()
        {
            ["Storage:Provider"] = "Memory",
            ["Ai:DirectoryRefresh"] = "00:00:00.050",
            ["Billing:Enabled"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Fake.DisposeAsync();
    }
}

/// <summary>
/// Dialog replies are paid from the balance: held before the model is asked, charged once per question by its
/// key, refused (the "temporarily unavailable" text and a handoff) when the balance cannot pay, and never below zero
/// however many dialogs ask at once.
/// </summary>
public sealed class ReplyChargingTests(BilledCluster fixture) : IClassFixture<BilledCluster>
{
    private readonly Guid _account = Guid.NewGuid();

    private IBalanceGrain Balance => fixture.Cluster.GrainFactory.GetGrain<IBalanceGrain>(_account);

    private async Task<(Guid Assistant, string Key)> Assistant()
    {
        var model = "billed-" + Guid.NewGuid().ToString("N")[..8];
        var key = $"sk-billed-{Guid.NewGuid():N}";
        await fixture.Cluster.GrainFactory.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(Guid.NewGuid(), AiProviderKind.OpenAi, fixture.Fake.BaseUrl, [model], 1, null, null, true, null, null, null, null), key);
        fixture.Silo.GetRequiredService<AiRouter>().Invalidate();
        var id = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(id).Create(_account, new AssistantSettings(
            "Support", "You are a support assistant.", model, null, "en", [], HandoffRules.Default with { MaxAiTurns = 0, Keywords = [] }, WidgetSettings.Default,
            "We are temporarily unavailable."));
        return (id, key);
    }

    private async Task<(IDialogGrain Dialog, Guid Id)> Dialog(Guid assistant)
    {
        var id = Guid.NewGuid();
        var dialog = fixture.Cluster.GrainFactory.GetGrain<IDialogGrain>(id);
        await dialog.Open(new DialogStart(_account, assistant, "test", null));
        return (dialog, id);
    }

    private async Task<DialogSnapshot> Answered(IDialogGrain dialog)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var snapshot = (await dialog.Get(_account))!;
            if (snapshot.Recent.Any(m => m.Author == MessageAuthor.Assistant) && !snapshot.AiBusy)
            {
                return snapshot;
            }
            await Task.Delay(20, timeout.Token);
        }
    }

    private async Task<IReadOnlyList<LedgerEntry>> Ledger() =>
        await fixture.Cluster.GrainFactory.GetGrain<IBillingQueryGrain>(0).Ledger(_account, new LedgerQuery(1000));

    [Fact]
    public async Task A_reply_is_charged_once_by_its_dialog_and_question()
    {
        var (assistant, _) = await Assistant();
        await Balance.Apply(new Movement("topup", 1_000_000, LedgerKind.TopUp));
        var (dialog, id) = await Dialog(assistant);

        await dialog.PostUserMessage("where is my parcel", null);
        var done = await Answered(dialog);

        Assert.Equal("Echo: where is my parcel", done.Recent.Last().Text);
        var charge = Assert.Single(await Ledger(), e => e.Kind == LedgerKind.Charge);
        var question = done.Recent.First(m => m.Author == MessageAuthor.User).Seq;
        Assert.Equal((ReplyCharges.DialogKey(id, question), -1_000L, BillingServices.AiMessage), (charge.Key, charge.Amount, charge.Service));
        Assert.Equal($"dialog:{id}:{question}", charge.Reference);
        Assert.Equal(999_000, (await Balance.Get()).Balance);
        // The key makes a second charge for the same question (a recovered dialog asking again) a no-op.
        var again = await Balance.Apply(new Movement(charge.Key, -1_000, LedgerKind.Charge, BillingServices.AiMessage));
        Assert.Equal(MovementOutcome.Duplicate, again.Outcome);
        Assert.Equal(999_000, (await Balance.Get()).Balance);
    }

    [Fact]
    public async Task Without_money_the_customer_gets_the_unavailable_text_and_a_person_and_the_model_is_not_asked()
    {
        var (assistant, key) = await Assistant();
        var (dialog, _) = await Dialog(assistant);

        await dialog.PostUserMessage("can you help me", null);
        var done = await Answered(dialog);

        // The assistant's "temporarily unavailable" text answers it, then the dialog is handed to people.
        Assert.Contains(done.Recent, m => m.Author == MessageAuthor.Assistant && m.Text == "We are temporarily unavailable.");
        Assert.Equal(DialogMode.Waiting, done.Mode);
        Assert.Empty(fixture.Fake.ServedTo(key));
        Assert.DoesNotContain(await Ledger(), e => e.Kind == LedgerKind.Charge);
    }

    [Fact]
    public async Task Many_dialogs_asking_at_once_never_take_the_balance_below_zero_and_every_answer_is_charged()
    {
        var (assistant, key) = await Assistant();
        fixture.Fake.For(key).Latency = TimeSpan.FromMilliseconds(200); // all ask while the first answers are still coming
        await Balance.Apply(new Movement("topup", 5_000, LedgerKind.TopUp)); // five replies' worth
        var dialogs = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Dialog(assistant)));

        await Task.WhenAll(dialogs.Select(d => d.Dialog.PostUserMessage("what does it cost", null)));
        var answers = await Task.WhenAll(dialogs.Select(d => Answered(d.Dialog)));

        var answered = answers.Count(a => a.Recent.Any(m => m.Text == "Echo: what does it cost"));
        Assert.Equal(5, answered);
        Assert.Equal(15, answers.Count(a => a.Recent.Any(m => m.Text == "We are temporarily unavailable.")));
        var ledger = await Ledger();
        Assert.Equal(5, ledger.Count(e => e.Kind == LedgerKind.Charge));
        Assert.All(ledger, e => Assert.True(e.BalanceAfter >= 0));
        Assert.Equal(0, (await Balance.Get()).Balance);
        Assert.Equal(ledger.Sum(e => e.Amount), (await Balance.Get()).Balance);
    }
}
