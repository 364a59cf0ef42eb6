namespace ReplyX.Hosting;

public enum StorageProvider
{
    Memory,
    Postgres,
}

/// <summary>
/// The <c>Storage</c> section: where grain state, reminders and the domain tables live. Read while the silo is
/// built (<see cref="StorageHosting.AddReplyXStorage"/>), since the providers are chosen then.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string PostgresConnectionKey = "ConnectionStrings:Postgres";

    public StorageProvider Provider { get; set; } = StorageProvider.Memory;

    /// <summary>Apply the numbered scripts in <c>sql/</c> at start-up (default on; turn off when a DBA applies them).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
