namespace ReplyX.Dialogs;

/// <summary>
/// Where a dialog's outgoing messages go: one port per channel (Telegram now, the widget next). A port hands
/// the message on one way and never calls the dialog back; what the channel refused reaches the dialog
/// through the store (<see cref="IDialogStore.FlaggedDeliveries"/>) during its own recovery.
/// </summary>
public interface IDialogChannel
{
    string Name { get; }

    /// <summary>Whether this dialog's outgoing messages are delivered by the port (and so stored awaiting delivery).</summary>
    bool Delivers(DialogStart start);

    Task Deliver(DialogStart start, Guid dialogId, DialogMessage message);

    /// <summary>"Typing…" in the messenger while a slow answer is being generated.</summary>
    Task Typing(DialogStart start);
}

/// <summary>The ports by channel name; a channel without one (the API's own test chat) delivers nothing.</summary>
public sealed class DialogChannels(IEnumerable<IDialogChannel> channels)
{
    private readonly Dictionary<string, IDialogChannel> _byName = channels.ToDictionary(c => c.Name, StringComparer.Ordinal);

    public IDialogChannel? For(DialogStart start) =>
        _byName.TryGetValue(start.Channel, out var channel) && channel.Delivers(start) ? channel : null;
}
