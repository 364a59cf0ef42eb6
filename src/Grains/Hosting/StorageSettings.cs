using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ReplyX.Hosting;

public enum StorageProvider
{
    Memory,
    Postgres,
}

/// <summary>The <c>Storage</c> section: where grain state, reminders and the domain tables live.</summary>
public sealed record StorageSettings
{
    public const string Section = "Storage";
    public const string PostgresConnectionKey = "ConnectionStrings:Postgres";

    public StorageProvider Provider { get; init; } = StorageProvider.Memory;
    public string? PostgresConnectionString { get; init; }

    /// <summary>Apply the numbered scripts in <c>sql/</c> at start-up (default on; turn off when a DBA applies them).</summary>
    public bool MigrateOnStart { get; init; } = true;

    public static StorageSettings Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var section = configuration.GetSection(Section);
        var settings = new StorageSettings
        {
            Provider = ConfigurationReader.ParseEnum(section, nameof(Provider), StorageProvider.Memory, errors),
            MigrateOnStart = ConfigurationReader.ParseBool(section, nameof(MigrateOnStart), true, errors),
            PostgresConnectionString = configuration[PostgresConnectionKey],
        };
        if (settings.Provider == StorageProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(settings.PostgresConnectionString))
            {
                errors.Add($"{PostgresConnectionKey} is required when {Section}:{nameof(Provider)} is Postgres.");
            }
            else
            {
                try
                {
                    var builder = new NpgsqlConnectionStringBuilder(settings.PostgresConnectionString);
                    // NpgsqlConnectionStringBuilder knows every keyword; the generic builder holds only those written.
                    var written = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = settings.PostgresConnectionString };
                    // Defaults for a server doing the same few statements thousands of times a second; a setting
                    // written in the connection string wins. Prepared once per connection, statements are not parsed
                    // and planned on every call; and connections going back to the pool skip "DISCARD ALL" (which
                    // also dropped those prepared statements): ReplyX changes no session state on them.
                    if (!written.ContainsKey("Max Auto Prepare") && !written.ContainsKey("MaxAutoPrepare"))
                    {
                        builder.MaxAutoPrepare = 64;
                    }
                    if (!written.ContainsKey("No Reset On Close") && !written.ContainsKey("NoResetOnClose"))
                    {
                        builder.NoResetOnClose = true;
                    }
                    settings = settings with { PostgresConnectionString = builder.ConnectionString };
                }
                catch (ArgumentException ex)
                {
                    errors.Add($"{PostgresConnectionKey} is not a valid PostgreSQL connection string: {ex.Message}");
                }
            }
        }
        ConfigurationReader.ThrowIfAny(errors);
        return settings;
    }
}
