using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReplyX.Fakes;

/// <summary>The host of a fake service: a minimal web app on a port the system picks on 127.0.0.1 (never one taken and released).</summary>
public static class FakeServer
{
    /// <summary>
    /// Held while a host is built in this process. WebApplicationFactory finds the app it tests by listening for
    /// the next host built anywhere in the process; a fake built at that moment is taken for it ("The entry point
    /// exited without ever building an IHost", seen once in CI). Test factories hold it too (ReplyXAppFactory).
    /// </summary>
    public static readonly object HostBuildGate = new();

    /// <summary>Starts an app with the routes <paramref name="map"/> adds; returns it and its root URL (no trailing slash).</summary>
    public static async Task<(WebApplication App, string Root)> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app;
        lock (HostBuildGate)
        {
            app = builder.Build();
        }
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, address.TrimEnd('/'));
    }
}
