using ReplyX.Hosting;

namespace ReplyX.Silo;

internal static class Banner
{
    public static void Print(TextWriter output, IEnumerable<string> addresses, bool apiEnabled, StorageOptions storage, ReplyXClusterOptions cluster)
    {
        var urls = string.Join(", ", addresses);
        output.WriteLine();
        output.WriteLine("  ReplyX is running");
        output.WriteLine($"  Listening on:  {urls}{(apiEnabled ? "" : "  (pure silo: /health and /metrics only)")}");
        output.WriteLine($"  Membership:    {cluster.Membership} (cluster '{cluster.ClusterId}', silo port {cluster.SiloPort}, gateway port {cluster.GatewayPort})");
        output.WriteLine(storage.Provider == StorageProvider.Memory
            ? "  Storage:       Memory - data is kept in memory and lost when this process stops"
            : "  Storage:       Postgres - grain state, reminders and domain tables in PostgreSQL");
        output.WriteLine();
        output.Flush();
    }
}
