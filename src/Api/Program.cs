using ReplyX.Api.Hosting;
using ReplyX.Hosting;

// The stand-alone API node: an Orleans client in front of pure silos (Api:Enabled=false on the silos).
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.UseReplyXClusterClient();
    builder.AddReplyXApi();

    var app = builder.Build();
    app.MapReplyXApi();
    await app.RunAsync();
    return 0;
}
catch (ReplyXConfigurationException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}
