using Microsoft.Extensions.Configuration;

namespace ReplyX.Hosting;

public static class DeploymentShape
{
    /// <summary>
    /// In-memory storage and localhost membership: the one shape in which no other process ever checks what
    /// this one signed, so a key may be made up for the process's lifetime. Read from the raw keys, which the
    /// API node (no storage of its own) shares with the silo.
    /// </summary>
    public static bool IsSingleProcessInMemory(IConfiguration configuration) =>
        string.Equals((configuration["Storage:Provider"] ?? "Memory").Trim(), "Memory", StringComparison.OrdinalIgnoreCase)
        && string.Equals((configuration["Cluster:Membership"] ?? "Localhost").Trim(), "Localhost", StringComparison.OrdinalIgnoreCase);
}
