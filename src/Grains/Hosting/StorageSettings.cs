using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ReplyX.Hosting;

public enum StorageProvider
{
    Memory,
    Postgres,
}

/// <summary>The <c>Storage</c> section: where grain state, reminders and the domain tables live.</summary>
public sealed class StorageSettings
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
                    _ = new NpgsqlConnectionStringBuilder(settings.PostgresConnectionString);
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
