using ReplyX.Hosting;
using ReplyX.Silo;

try
{
    var app = SiloHost.Build(args);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ConfigurationFailure.Describe(ex) is { } message)
{
    // A wrong or missing setting: one line naming every key at fault (docs/operations.md, Start-up failures).
    await Console.Error.WriteLineAsync(message);
    return ConfigurationFailure.ExitCode;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // A failed start (unreachable database, refused migration, port in use) ends with its cause, not a crash dump.
    await Console.Error.WriteLineAsync($"ReplyX failed to start: {ex.GetType().Name}: {ex.Message}");
    await Console.Error.WriteLineAsync(ex.ToString());
    return 1;
}

public partial class Program;
