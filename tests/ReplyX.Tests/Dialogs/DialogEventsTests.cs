using System.Collections.Concurrent;
using OpenAI;
using OpenAI.Embeddings;
using Orleans.Streams;
using ReplyX.Assistants;
using ReplyX.Dialogs;
using ReplyX.Hosting;

using ReplyX.Tests.Ai;

namespace ReplyX.Tests.Dialogs;

[Collection(AiCollection.Name)]
public sealed class DialogEventsTests(AiClusterFixture fixture)
{
    [Fact]
    public async Task A_watched_dialog_publishes_its_messages_typing_and_status_on_its_stream_and_an_unwatched_one_does_not()
    {
        var model = "events-" + Guid.NewGuid().ToString("N")[..6];
        await fixture.AddKey("sk-events-" + Guid.NewGuid().ToString("N"), model);
        var account = Guid.NewGuid();
        var assistantId = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            "Events", "Be brief.", model, null, "ru", [], HandoffRules.Default, WidgetSettings.Default, null));
        var dialogId = DialogKeys.For("telegram", Guid.NewGuid(), "12345");
        var events = new ConcurrentQueue<DialogEvent>();
        var statusSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = fixture.Cluster.Client.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Dialog, dialogId));
        var subscription = await stream.SubscribeAsync((e, _) =>
        {
            events.Enqueue(e);
            if (e.Kind == DialogEventKinds.Status)
            {
                statusSeen.TrySetResult();
            }
            return Task.CompletedTask;
        });
        try
        {
            var dialog = fixture.Cluster.GrainFactory.GetGrain<IDialogGrain>(dialogId);
            await dialog.Open(new DialogStart(account, assistantId, "telegram", "12345"));
            // Nobody watches yet: this exchange is not published on the dialog's stream.
            await dialog.PostUserMessage("unwatched", null);
            await AiWait.Until(async () => (await dialog.Get(account))!.Recent.Any(m => m.Author == MessageAuthor.Assistant), "the first answer", TimeSpan.FromSeconds(15));
            Assert.False(await dialog.Watch(Guid.NewGuid())); // another account cannot watch it
            Assert.True(await dialog.Watch(account));
            await dialog.PostUserMessage("hello there", null);
            await AiWait.Until(async () => (await dialog.Get(account))!.Recent.Count(m => m.Author == MessageAuthor.Assistant) == 2, "the second answer", TimeSpan.FromSeconds(15));
            await dialog.PostUserMessage("позовите оператора", null);
            await statusSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));

            var received = events.ToArray();
            Assert.Equal(received.Select(e => e.EventSeq).Order(), received.Select(e => e.EventSeq));
            Assert.All(received, e => Assert.Equal(account, e.AccountId));
            var messages = received.Where(e => e.Kind == DialogEventKinds.Message).Select(e => (e.Message!.Author, e.Message.Text)).ToArray();
            // One stream is one queue, delivered in order: had the unwatched exchange been published, it would come first.
            Assert.Equal((MessageAuthor.User, "hello there"), messages[0]);
            Assert.DoesNotContain(messages, m => m.Text.Contains("unwatched", StringComparison.Ordinal));
            Assert.Contains((MessageAuthor.Assistant, "Echo: hello there"), messages);
            Assert.Contains(received, e => e.Kind == DialogEventKinds.Typing && e.Partial is not null && "Echo: hello there".StartsWith(e.Partial, StringComparison.Ordinal));
            Assert.Equal(DialogMode.Waiting, received.Single(e => e.Kind == DialogEventKinds.Status).Mode);
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task The_account_feed_gets_one_coalesced_preview_per_exchange_and_the_first_says_the_dialog_opened()
    {
        var model = "feed-" + Guid.NewGuid().ToString("N")[..6];
        await fixture.AddKey("sk-feed-" + Guid.NewGuid().ToString("N"), model);
        var account = Guid.NewGuid();
        var assistantId = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            "Feed", "Be brief.", model, null, "ru", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));
        var events = new ConcurrentQueue<DialogEvent>();
        var stream = fixture.Cluster.Client.GetStreamProvider(StreamNames.Provider).GetStream<DialogEvent>(StreamId.Create(StreamNames.Account, account));
        var subscription = await stream.SubscribeAsync((e, _) =>
        {
            events.Enqueue(e);
            return Task.CompletedTask;
        });
        try
        {
            var dialog = fixture.Cluster.GrainFactory.GetGrain<IDialogGrain>(Guid.NewGuid());
            await dialog.Open(new DialogStart(account, assistantId, "test", null));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await dialog.PostUserMessage("first", null);
            while (events.IsEmpty)
            {
                await Task.Delay(20, timeout.Token);
            }
            await dialog.PostUserMessage("second", null);
            while (events.Count < 2)
            {
                await Task.Delay(20, timeout.Token);
            }

            // The question and its answer came within one interval: one event each time, carrying the newest message.
            var received = events.ToArray();
            Assert.Equal([DialogEventKinds.Opened, DialogEventKinds.Preview], received.Select(e => e.Kind));
            Assert.Equal(["Echo: first", "Echo: second"], received.Select(e => e.Message!.Text));
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    [Fact]
    public void Dialog_keys_are_stable_per_channel_bot_and_chat()
    {
        var bot = Guid.NewGuid();
        Assert.Equal(DialogKeys.For("telegram", bot, "42"), DialogKeys.For("telegram", bot, "42"));
        Assert.NotEqual(DialogKeys.For("telegram", bot, "42"), DialogKeys.For("telegram", bot, "43"));
        Assert.NotEqual(DialogKeys.For("telegram", bot, "42"), DialogKeys.For("widget", bot, "42"));
        Assert.NotEqual(DialogKeys.For("telegram", bot, "42"), DialogKeys.For("telegram", Guid.NewGuid(), "42"));
    }

    [Fact]
    public async Task The_fake_serves_embeddings_to_the_real_openai_client()
    {
        var client = new EmbeddingClient("text-embedding-3-small", new System.ClientModel.ApiKeyCredential("sk-embed"),
            new OpenAIClientOptions { Endpoint = new Uri(fixture.Fake.BaseUrl) });

        var result = await client.GenerateEmbeddingsAsync(["доставка заказа", "order delivery", "доставка заказа"]);

        Assert.Equal(3, result.Value.Count);
        var vectors = result.Value.Select(e => e.ToFloats().ToArray()).ToArray();
        Assert.All(vectors, v => Assert.Equal(ReplyX.Fakes.FakeOpenAi.Concepts.Length + 8, v.Length));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.InRange(vectors[0].Sum(x => x * x), 0.99f, 1.01f);
        // Its "multilingual model": the same meaning in Russian and English lands close together.
        Assert.True(System.Numerics.Tensors.TensorPrimitives.Dot(vectors[0], vectors[1]) > 0.9f);
    }
}
