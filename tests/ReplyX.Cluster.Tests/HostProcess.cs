using System.Diagnostics;
using System.Net;
using System.Text;
using Npgsql;
using ReplyX.Fakes;

namespace ReplyX.Cluster.Tests;

/// <summary>A ReplyX host (silo or API node) running as a real child process, as in production.</summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private HostProcess(Process process, string name, int httpPort)
    {
        _process = process;
        Name = name;
        HttpPort = httpPort;
        BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public string Name { get; }
    public int HttpPort { get; }
    public Uri BaseAddress { get; }
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string SiloDll => Binary("Silo", "ReplyX.Silo.dll");
    public static string ApiDll => Binary("Api", "ReplyX.Api.dll");

    public static HostProcess Start(string dll, string name, IReadOnlyDictionary<string, string> environment, int? httpPort = null)
    {
        var port = httpPort ?? FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        // Marks the process so the test script can reap it if this test host dies.
        start.ArgumentList.Add($"--replyx-test-run={Environment.GetEnvironmentVariable("REPLYX_TEST_WORK") ?? "local"}");
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Orleans"] = "Warning";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new HostProcess(process, name, port);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>Waits until GET /health answers 200; returns how long that took from now.</summary>
    public async Task<TimeSpan> WaitHealthy(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode} before it was healthy:\n{Output}");
            }
            if ((await TryGet("/health"))?.StatusCode == HttpStatusCode.OK)
            {
                return watch.Elapsed;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} was not healthy within {timeout}:\n{Output}");
    }

    public async Task<HttpResponseMessage?> TryGet(string path)
    {
        try
        {
            return await Http.GetAsync(new Uri(BaseAddress, path));
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
        catch (TaskCanceledException)
        {
            return null; // listening but not answering yet
        }
    }

    public Task<string> GetString(string path) => Http.GetStringAsync(new Uri(BaseAddress, path));

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>kill -9: no goodbye to the cluster, as when a machine dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A TCP port nobody listens on right now, outside the ephemeral range (see <see cref="FreePorts"/>).</summary>
    public static int FreePort() => FreePorts.Next();

    public static string Postgres =>
        Environment.GetEnvironmentVariable("REPLYX_TEST_POSTGRES") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("REPLYX_TEST_POSTGRES is not set: run ./scripts/test.sh");

    public static string Redis =>
        Environment.GetEnvironmentVariable("REPLYX_TEST_REDIS") is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException("REPLYX_TEST_REDIS is not set: run ./scripts/test.sh");

    public static async Task<string> CreateDatabase(string purpose)
    {
        var name = $"replyx_{purpose}_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(Postgres))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    /// <summary>The repository's root: the folder of ReplyX.sln above this test assembly.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ReplyX.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("ReplyX.sln not found above " + AppContext.BaseDirectory);
    }

    private static string Binary(string project, string dll)
    {
        var dir = new DirectoryInfo(RepositoryRoot());
        // The hosts are built in the configuration this test assembly was built in.
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var path = Path.Combine(dir.FullName, "src", project, "bin", configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
    }
}
