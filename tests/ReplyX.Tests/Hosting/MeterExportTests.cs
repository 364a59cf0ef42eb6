using System.Diagnostics.Metrics;
using System.Text;
using Prometheus;
using ReplyX.Hosting;

namespace ReplyX.Tests.Hosting;

public class MeterExportTests
{
    [Fact]
    public void Observable_instruments_are_exported_and_per_event_ones_only_for_the_listed_meters()
    {
        using var library = new Meter("ReplyX.Tests.SomeLibrary");
        using var kestrel = new Meter("Microsoft.AspNetCore.Server.Kestrel");

        Assert.True(MeterExport.Exported(library.CreateObservableGauge("queue-length", () => 3)));
        Assert.True(MeterExport.Exported(library.CreateObservableCounter("messages-total", () => 7L)));
        Assert.False(MeterExport.Exported(library.CreateCounter<long>("requests")));
        Assert.False(MeterExport.Exported(library.CreateHistogram<double>("request-duration")));
        Assert.False(MeterExport.Exported(library.CreateUpDownCounter<long>("open-connections")));
        Assert.True(MeterExport.Exported(kestrel.CreateUpDownCounter<long>("kestrel.active_connections")));
    }

    [Fact]
    public async Task Prometheus_publishes_what_the_filter_lets_through_and_nothing_else()
    {
        var registry = Metrics.NewCustomRegistry();
        using var adapter = MeterAdapter.StartListening(new MeterAdapterOptions
        {
            Registry = registry,
            MetricFactory = Metrics.WithCustomRegistry(registry),
            InstrumentFilterPredicate = i => i.Meter.Name == "ReplyX.Tests.Exported" && MeterExport.Exported(i),
        });
        using var meter = new Meter("ReplyX.Tests.Exported");
        meter.CreateObservableGauge("replyx-test-observed", () => 42);
        var perEvent = meter.CreateCounter<long>("replyx-test-per-event");
        perEvent.Add(5);

        // The adapter observes at each scrape and creates a series the first time it sees it: the second scrape has it.
        await registry.CollectAndExportAsTextAsync(Stream.Null);
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        var exported = Encoding.UTF8.GetString(text.ToArray());

        Assert.True(exported.Contains("replyx_test_observed"), exported);
        Assert.Contains(" 42", exported);
        Assert.DoesNotContain("replyx_test_per_event", exported);
    }
}
