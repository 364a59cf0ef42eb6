using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ReplyX.Api.Hosting;
using ReplyX.Hosting;
using ReplyX.Silo;

// One binary, two shapes: the embedded default (silo + API + web UI, in memory, one port) and a
// production silo (Redis membership, PostgreSQL state) with or without the co-hosted API.
try
{
    var builder = WebApplication.CreateBuilder(args);
    var host = HostSettings.Read(builder.Configuration);
    if (!host.HasExplicitUrls(builder.Configuration))
    {
        builder.WebHost.UseUrls(HostSettings.DefaultUrl);
    }

    builder.AddReplyXSilo();
    if (host.ApiEnabled)
    {
        builder.AddReplyXApi();
    }
    else
    {
        builder.AddReplyXOperations();
    }

    var app = builder.Build();
    if (host.ApiEnabled)
    {
        app.MapReplyXApi();
    }
    else
    {
        app.MapReplyXOperations();
    }

    app.Lifetime.ApplicationStarted.Register(() =>
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Banner.Print(Console.Out, addresses, host, StorageSettings.Read(app.Configuration), ClusterSettings.Read(app.Configuration));
    });
    await app.RunAsync();
    return 0;
}
catch (ReplyXConfigurationException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("Invalid configuration: " + string.Join(" ", ex.Failures));
    return 2;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // A failed start (unreachable database, refused migration, port in use) ends with its cause, not a crash dump.
    await Console.Error.WriteLineAsync($"ReplyX failed to start: {ex.GetType().Name}: {ex.Message}");
    await Console.Error.WriteLineAsync(ex.ToString());
    return 1;
}

public partial class Program;
