using System.Net;
using System.Net.Sockets;

namespace ReplyX.Fakes;

/// <summary>
/// Loopback TCP ports for servers that are told their port instead of binding port 0 themselves: silos, the
/// hosts the cluster tests start, and the PostgreSQL and Redis servers that tests start through services.sh.
/// </summary>
/// <remarks>
/// The ports come from outside the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>), where
/// outgoing connections take their local ports. A port from that range that was free when chosen can be taken by any
/// outgoing connection before its server binds it, and a client reconnecting to a stopped server on such a port can
/// even connect to itself (a TCP self-connect), so the server finds its port busy when it starts again. Binding port 0
/// and releasing it, the usual trick, hands out exactly such a port.
/// </remarks>
public static class FreePorts
{
    /// <summary>Below this, well-known and registered services (PostgreSQL 5432, Redis 6379, 8080, …) live.</summary>
    private const int Lowest = 10_000;

    private static readonly HashSet<int> HandedOut = [];
    private static readonly (int Low, int High)[] Ranges = CandidateRanges(EphemeralRange());

    /// <summary>A loopback port outside the ephemeral range that nothing is bound to now and that this process has not handed out before.</summary>
    public static int Next()
    {
        lock (HandedOut)
        {
            var total = Ranges.Sum(r => r.High - r.Low + 1);
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var pick = Random.Shared.Next(total);
                var port = 0;
                foreach (var (low, high) in Ranges)
                {
                    if (pick <= high - low)
                    {
                        port = low + pick;
                        break;
                    }
                    pick -= high - low + 1;
                }
                if (!HandedOut.Contains(port) && CanBind(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"No free TCP port found in {string.Join(", ", Ranges.Select(r => $"{r.Low}-{r.High}"))}.");
    }

    /// <summary>The kernel's ephemeral range: Linux's setting, or the IANA range (which Windows and macOS use) elsewhere.</summary>
    public static (int Low, int High) EphemeralRange()
    {
        const string Setting = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(Setting))
        {
            var parts = File.ReadAllText(Setting).Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high) && low <= high)
            {
                return (low, high);
            }
        }
        return (49152, 65535);
    }

    private static (int Low, int High)[] CandidateRanges((int Low, int High) ephemeral)
    {
        var ranges = new List<(int, int)>();
        if (ephemeral.Low - 1 >= Lowest)
        {
            ranges.Add((Lowest, ephemeral.Low - 1));
        }
        if (ephemeral.High + 1 <= IPEndPoint.MaxPort)
        {
            ranges.Add((Math.Max(Lowest, ephemeral.High + 1), IPEndPoint.MaxPort));
        }
        return ranges.Count > 0
            ? [.. ranges]
            : throw new InvalidOperationException($"The ephemeral port range {ephemeral.Low}-{ephemeral.High} leaves no port for test servers.");
    }

    /// <summary>Nothing listens on the port, on loopback or on any address (silos listen on any address).</summary>
    private static bool CanBind(int port)
    {
        foreach (var address in new[] { IPAddress.Any, IPAddress.Loopback })
        {
            try
            {
                var listener = new TcpListener(address, port);
                listener.Start();
                listener.Stop();
            }
            catch (SocketException)
            {
                return false;
            }
        }
        return true;
    }
}
