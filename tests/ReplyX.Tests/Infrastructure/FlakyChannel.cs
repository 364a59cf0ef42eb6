using System.Collections.Concurrent;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Infrastructure;

/// <summary>
/// A channel port (ReplyX's own seam, not a client library) whose far side is briefly gone, as a bot outbox is
/// while its silo dies: the first <see cref="FailuresPerChat"/> hand-overs of each chat fail the way a grain
/// call to a lost silo fails. Registered in test silos with <c>Test:FlakyChannel=true</c>.
/// </summary>
public sealed class FlakyChannel : IDialogChannel
{
    public const string ChannelName = "flaky";

    private readonly ConcurrentDictionary<string, int> _attempts = new();

    public int FailuresPerChat { get; set; } = 2;

    public ConcurrentQueue<(string Chat, long Seq, string Text)> Delivered { get; } = new();

    public string Name => ChannelName;

    public bool Delivers(DialogStart start) => start.ExternalChat is not null;

    public Task Deliver(DialogStart start, Guid dialogId, DialogMessage message)
    {
        if (_attempts.AddOrUpdate(start.ExternalChat!, 1, (_, n) => n + 1) <= FailuresPerChat)
        {
            throw new SiloUnavailableException("The outbox's silo is gone (test).");
        }
        if (!Delivered.Any(d => d.Chat == start.ExternalChat && d.Seq == message.Seq))
        {
            Delivered.Enqueue((start.ExternalChat!, message.Seq, message.Text));
        }
        return Task.CompletedTask;
    }

    public int Attempts(string chat) => _attempts.GetValueOrDefault(chat);

    public Task Typing(DialogStart start) => Task.CompletedTask;
}
