using System.Globalization;

namespace ReplyX.Api.Dialogs;

public enum SequenceStep
{
    /// <summary>Already sent (a duplicate, or one overtaken by a gap fill): dropped.</summary>
    Skip,
    /// <summary>The next one: sent.</summary>
    Next,
    /// <summary>Messages before it are missing (dropped or reordered by the live stream): read them from the store first.</summary>
    Gap,
}

/// <summary>
/// Keeps one event stream's messages gap-free and duplicate-free by their dialog sequence numbers, and
/// numbers its events. A message event's id is its seq; any other event's id is the last message seq
/// and a counter (<c>12.3</c>), so that <c>Last-Event-ID</c> always says which messages the client has.
/// </summary>
public sealed class MessageSequencer(long lastSent)
{
    private long _others;

    public long LastSent { get; private set; } = lastSent;

    public SequenceStep Step(long seq) => seq <= LastSent ? SequenceStep.Skip : seq == LastSent + 1 ? SequenceStep.Next : SequenceStep.Gap;

    /// <summary>Records a message as sent and returns its event id.</summary>
    public string Sent(long seq)
    {
        LastSent = Math.Max(LastSent, seq);
        _others = 0;
        return seq.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The id of an event that is not a message.</summary>
    public string Other() => string.Create(CultureInfo.InvariantCulture, $"{LastSent}.{++_others}");

    /// <summary>The last message seq a client had, from its <c>Last-Event-ID</c>; null when absent or not one of ours.</summary>
    public static long? Resume(string? lastEventId)
    {
        if (string.IsNullOrEmpty(lastEventId) || lastEventId.Length > 40)
        {
            return null;
        }
        var dot = lastEventId.IndexOf('.');
        var seq = dot < 0 ? lastEventId : lastEventId[..dot];
        return long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
