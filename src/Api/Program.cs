using ReplyX.Api.Hosting;
using ReplyX.Hosting;

namespace ReplyX.Api;

/// <summary>The stand-alone API node: an Orleans client in front of pure silos (<c>Api:Enabled=false</c> on the silos).</summary>
public static class ApiProgram
{
    public static async Task<int> Main(string[] args)
    {
        try
        {
            var builder = WebApplication.CreateBuilder(args);
            builder.UseReplyXClusterClient();
            builder.AddReplyXApi();

            var app = builder.Build();
            app.Services.ValidateOnStartNow();
            app.MapReplyXApi();
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (ConfigurationFailure.Describe(ex) is { } message)
        {
            await Console.Error.WriteLineAsync(message);
            return ConfigurationFailure.ExitCode;
        }
    }
}
