using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace ReplyX.Bench;

/// <summary>
/// `--alloc-profile`: samples the runtime's allocation ticks (one per ~100 KB allocated) by type, to show
/// what the measured rounds allocate. Sampling, so only the large shares are meaningful.
/// </summary>
public sealed class AllocationProfile : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new();
    public volatile bool Recording;

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Recording || e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
        {
            return;
        }
        var type = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
        var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a]) : 100_000;
        _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
    }

    public void Print(int top, long replies)
    {
        var total = _bytes.Values.Sum();
        Console.Error.WriteLine($"Sampled allocations: {total / 1048576.0:0} MB, {total / (double)replies / 1024:0.0} KB per reply");
        foreach (var (type, bytes) in _bytes.OrderByDescending(kv => kv.Value).Take(top))
        {
            Console.Error.WriteLine($"  {bytes * 100.0 / total,5:0.0}%  {bytes / (double)replies / 1024,6:0.00} KB/reply  {type}");
        }
    }
}
