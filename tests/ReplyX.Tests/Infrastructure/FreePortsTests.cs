using ReplyX.Fakes;

namespace ReplyX.Tests.Infrastructure;

public sealed class FreePortsTests
{
    [Fact]
    public void Ports_for_test_servers_lie_outside_the_ephemeral_range_and_are_never_handed_out_twice()
    {
        var (low, high) = FreePorts.EphemeralRange();

        var ports = Enumerable.Range(0, 200).Select(_ => FreePorts.Next()).ToArray();

        Assert.All(ports, port => Assert.True(port < low || port > high, $"{port} is in the ephemeral range {low}-{high}"));
        Assert.Equal(ports.Length, ports.Distinct().Count());
    }
}
