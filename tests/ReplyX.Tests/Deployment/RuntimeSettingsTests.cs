using System.Text.Json;

namespace ReplyX.Tests.Deployment;

/// <summary>
/// The runtime settings of src/ReplyX.Runtime.props reach what the processes actually read at start: their
/// runtimeconfig.json (built next to these tests by the project references, as `dotnet publish` writes it).
/// </summary>
public sealed class RuntimeSettingsTests
{
    [Theory]
    [InlineData("ReplyX.Silo")]
    [InlineData("ReplyX.Api")]
    public void Every_process_runs_server_gc_without_thread_pool_spinning(string process)
    {
        var path = Path.Combine(AppContext.BaseDirectory, process + ".runtimeconfig.json");
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.Equal(0, properties.GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32());
    }
}
