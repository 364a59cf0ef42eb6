namespace ReplyX.Desk;

/// <summary>A waiting dialog and its current offer, as the desk tracks them.</summary>
public sealed class WaitingDialog(Guid id, DateTimeOffset since)
{
    public Guid Id { get; } = id;
    public DateTimeOffset Since { get; } = since;
    public Guid? OfferedTo { get; set; }
    public DateTimeOffset? OfferedAt { get; set; }
    /// <summary>Operators whose offer ran out: others are asked first.</summary>
    public HashSet<Guid> Declined { get; } = [];
}

/// <summary>
/// Who gets which waiting dialog: oldest dialog first, to the online operator with the fewest dialogs
/// (held plus offered) below the limit, preferring one who has not let this dialog's offer run out; an offer
/// runs out after the timeout and the dialog is offered again.
/// </summary>
public static class OfferPolicy
{
    public static IReadOnlyList<(Guid DialogId, Guid OperatorId)> Next(IEnumerable<WaitingDialog> queue,
        IReadOnlyDictionary<Guid, int> onlineLoads, int limit, TimeSpan timeout, DateTimeOffset now)
    {
        var load = onlineLoads.ToDictionary(p => p.Key, p => p.Value);
        var waiting = queue.OrderBy(d => d.Since).ThenBy(d => d.Id).ToArray();
        foreach (var d in waiting)
        {
            if (d.OfferedTo is { } to && load.ContainsKey(to))
            {
                if (now - d.OfferedAt < timeout)
                {
                    load[to]++; // a live offer counts against its operator
                    continue;
                }
                d.Declined.Add(to);
            }
            d.OfferedTo = null;
            d.OfferedAt = null;
        }
        var offers = new List<(Guid, Guid)>();
        foreach (var d in waiting.Where(d => d.OfferedTo is null))
        {
            var candidates = load.Where(p => p.Value < limit).ToArray();
            if (candidates.Length == 0)
            {
                break;
            }
            var pick = candidates
                .OrderBy(p => d.Declined.Contains(p.Key) ? 1 : 0)
                .ThenBy(p => p.Value)
                .ThenBy(p => p.Key)
                .First().Key;
            d.OfferedTo = pick;
            d.OfferedAt = now;
            load[pick]++;
            offers.Add((d.Id, pick));
        }
        return offers;
    }
}
