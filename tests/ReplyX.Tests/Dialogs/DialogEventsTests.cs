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
    public async Task A_dialog_publishes_its_messages_typing_and_status_on_the_dialog_stream()
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
            await dialog.PostUserMessage("hello there", null);
            await AiWait.Until(async () => (await dialog.Get(account))!.Recent.Any(m => m.Author == MessageAuthor.Assistant), "the first answer", TimeSpan.FromSeconds(15));
            await dialog.PostUserMessage("позовите оператора", null);
            await statusSeen.Task.WaitAsync(TimeSpan.FromSeconds(10));

            var received = events.ToArray();
            Assert.Equal(received.Select(e => e.EventSeq).Order(), received.Select(e => e.EventSeq));
            Assert.All(received, e => Assert.Equal(account, e.AccountId));
            var messages = received.Where(e => e.Kind == DialogEventKinds.Message).Select(e => (e.Message!.Author, e.Message.Text)).ToArray();
            Assert.Equal((MessageAuthor.User, "hello there"), messages[0]);
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
        Assert.All(vectors, v => Assert.Equal(8, v.Length));
        Assert.Equal(vectors[0], vectors[2]);
        Assert.InRange(vectors[0].Sum(x => x * x), 0.99f, 1.01f);
    }
}
