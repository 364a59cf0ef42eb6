using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ReplyX.Hosting;

/// <summary>PostgreSQL storage needs a connection string that parses (<c>ConnectionStrings:Postgres</c>, outside the section: hence the configuration).</summary>
public sealed class StorageOptionsValidator(IConfiguration configuration) : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new OptionsFailures(StorageOptions.Section);
        if (options.Provider == StorageProvider.Postgres)
        {
            var connectionString = configuration[StorageOptions.PostgresConnectionKey];
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                failures.Add($"{StorageOptions.PostgresConnectionKey} is required when {failures.Key(nameof(options.Provider))} is Postgres.");
            }
            else
            {
                try
                {
                    _ = new NpgsqlConnectionStringBuilder(connectionString);
                }
                catch (ArgumentException ex)
                {
                    failures.Add($"{StorageOptions.PostgresConnectionKey} is not a valid PostgreSQL connection string: {ex.Message}");
                }
            }
        }
        return failures.ToValidation();
    }
}
