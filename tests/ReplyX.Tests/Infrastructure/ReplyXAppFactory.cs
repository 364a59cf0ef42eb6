using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ReplyX.Tests.Infrastructure;

/// <summary>
/// The real silo host (Program of src/Silo) in the test process. The co-hosted silo binds real TCP ports,
/// so every factory gets free ones.
/// </summary>
public sealed class ReplyXAppFactory(IReadOnlyDictionary<string, string?>? settings = null, string environment = "Development")
    : WebApplicationFactory<Program>
{
    /// <summary>One host built at a time in this process, fakes included (see <see cref="ReplyX.Fakes.FakeServer.HostBuildGate"/>).</summary>
    protected override Microsoft.Extensions.Hosting.IHost CreateHost(Microsoft.Extensions.Hosting.IHostBuilder builder)
    {
        lock (ReplyX.Fakes.FakeServer.HostBuildGate)
        {
            return base.CreateHost(builder);
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        // UseSetting reaches WebApplicationBuilder.Configuration before Program reads it (unlike ConfigureAppConfiguration).
        builder.UseSetting("Cluster:SiloPort", TestServers.FreePort().ToString());
        builder.UseSetting("Cluster:GatewayPort", TestServers.FreePort().ToString());
        builder.UseSetting("Cluster:ClusterId", "test-" + Guid.NewGuid().ToString("N")[..8]);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Auth:Jwt:SigningKey", "test-signing-key-for-replyx-tests-0123456789");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }
    }
}
