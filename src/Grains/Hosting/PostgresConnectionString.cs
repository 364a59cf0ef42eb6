using System.Data.Common;
using Npgsql;

namespace ReplyX.Hosting;

public static class PostgresConnectionString
{
    /// <summary>
    /// <c>ConnectionStrings:Postgres</c> with ReplyX's defaults for a server doing the same few statements
    /// thousands of times a second; a setting written in the connection string wins. Prepared once per
    /// connection, statements are not parsed and planned on every call; and connections going back to the pool
    /// skip "DISCARD ALL" (which also dropped those prepared statements): ReplyX changes no session state on them.
    /// </summary>
    public static string WithReplyXDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        // NpgsqlConnectionStringBuilder knows every keyword; the generic builder holds only those written.
        var written = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!written.ContainsKey("Max Auto Prepare") && !written.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }
        if (!written.ContainsKey("No Reset On Close") && !written.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }
}
