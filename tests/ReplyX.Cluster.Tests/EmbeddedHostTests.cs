using System.Net;

namespace ReplyX.Cluster.Tests;

/// <summary>The silo binary as a user starts it: no configuration but ports, nothing to install.</summary>
public sealed class EmbeddedHostTests(ITestOutputHelper output)
{
    private static Dictionary<string, string> FreeSiloPorts() => new()
    {
        ["Cluster__SiloPort"] = HostProcess.FreePort().ToString(),
        ["Cluster__GatewayPort"] = HostProcess.FreePort().ToString(),
    };

    [Fact]
    public async Task Embedded_default_answers_health_within_60_seconds_and_says_data_is_in_memory()
    {
        await using var host = HostProcess.Start(HostProcess.SiloDll, "embedded", FreeSiloPorts());

        var startup = await host.WaitHealthy(TimeSpan.FromSeconds(60));
        output.WriteLine($"Embedded default healthy after {startup.TotalMilliseconds:0} ms");

        Assert.Contains("data is kept in memory", host.Output);
        Assert.Contains($"http://127.0.0.1:{host.HttpPort}", host.Output);
        var index = await host.TryGet("/");
        Assert.Equal(HttpStatusCode.OK, index!.StatusCode);
        Assert.Contains("ReplyX", await index.Content.ReadAsStringAsync());
        Assert.Contains("\"orleans\"", await host.GetString("/health"));
    }

    [Theory]
    [InlineData("Storage__Provider", "Oracle", "Storage:Provider")]
    [InlineData("Cluster__Membership", "Redis", "ConnectionStrings:Redis")]
    [InlineData("Api__Enabled", "perhaps", "Api:Enabled")]
    [InlineData("Auth__Jwt__SigningKey", "too-short", "Auth:Jwt:SigningKey")]
    public async Task Wrong_setting_stops_the_process_with_a_message_naming_the_key(string variable, string value, string key)
    {
        var environment = FreeSiloPorts();
        environment[variable] = value;
        await using var host = HostProcess.Start(HostProcess.SiloDll, "misconfigured", environment);

        var exitCode = await host.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains(key, host.Output);
        Assert.DoesNotContain("Unhandled exception", host.Output);
    }
}
