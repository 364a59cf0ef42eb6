using System.Collections.Concurrent;
using ReplyX.Dialogs;

namespace ReplyX.Bots;

/// <summary>The Telegram port of a dialog: its messages go to the bot's outbox grain, which never calls back.</summary>
public sealed class TelegramChannel(IGrainFactory grains) : IDialogChannel
{
    public const string Name = "telegram";

    // Grain references are reused: Orleans resolves the interface type by reflection on every GetGrain.
    private readonly ConcurrentDictionary<Guid, IBotOutboxGrain> _outboxes = new();

    string IDialogChannel.Name => Name;

    public bool Delivers(DialogStart start) => start is { ChannelId: not null, ExternalChat: not null };

    public Task Deliver(DialogStart start, Guid dialogId, DialogMessage message) =>
        Outbox(start).Deliver(new BotDelivery(start.ExternalChat!, message.Text, dialogId, message.Seq, start.AccountId));

    public Task Typing(DialogStart start) => Outbox(start).Typing(start.AccountId, start.ExternalChat!);

    private IBotOutboxGrain Outbox(DialogStart start) =>
        _outboxes.GetOrAdd(start.ChannelId!.Value, id => grains.GetGrain<IBotOutboxGrain>(id));
}
