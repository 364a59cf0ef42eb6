using System.Diagnostics;
using Npgsql;
using ReplyX.Fakes;

namespace ReplyX.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL and Redis servers that scripts/test.sh starts. A test that needs one fails (never skips)
/// when it is missing, with a message saying how to run the suite.
/// </summary>
public static class TestServers
{
    private const string Hint = "Run the suite with ./scripts/test.sh, which starts throwaway PostgreSQL and Redis servers.";

    public static string PostgresAdmin =>
        Environment.GetEnvironmentVariable("REPLYX_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("REPLYX_TEST_POSTGRES is not set. " + Hint);

    public static string Redis =>
        Environment.GetEnvironmentVariable("REPLYX_TEST_REDIS") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("REPLYX_TEST_REDIS is not set. " + Hint);

    public static string ServicesScript =>
        Environment.GetEnvironmentVariable("REPLYX_TEST_SERVICES") is { Length: > 0 } path
            ? path
            : Path.Combine(RepositoryRoot, "scripts", "services.sh");

    public static string WorkFolder =>
        Environment.GetEnvironmentVariable("REPLYX_TEST_WORK") is { Length: > 0 } path ? path : Path.GetTempPath();

    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Creates an empty database for one test class and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"replyx_{purpose[..Math.Min(purpose.Length, 16)]}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var admin = new NpgsqlConnection(PostgresAdmin))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    /// <summary>A TCP port nobody listens on right now, outside the ephemeral range (see <see cref="FreePorts"/>).</summary>
    public static int FreePort() => FreePorts.Next();

    /// <summary>Runs scripts/services.sh with the given arguments and throws with its output when it fails.</summary>
    public static async Task RunServicesScriptAsync(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ServicesScript);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"services.sh {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }

    public static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ReplyX.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ReplyX.sln not found above " + AppContext.BaseDirectory);
    }
}
