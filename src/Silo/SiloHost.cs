using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using ReplyX.Api.Hosting;
using ReplyX.Hosting;

namespace ReplyX.Silo;

/// <summary>
/// One binary, two shapes: the embedded default (silo + API + web UI, in memory, one port) and a production
/// silo (Redis membership, PostgreSQL state) with or without the co-hosted API.
/// </summary>
public static class SiloHost
{
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary>
    /// Composes and builds the host without starting it, and validates the whole configuration: the settings that
    /// shape the host (<c>Api:Enabled</c>, <c>Cluster</c>, <c>Storage</c>) while it is built, failing with
    /// <see cref="ReplyXConfigurationException"/>, then every options class registered with <c>ValidateOnStart</c>,
    /// failing with <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> (or several of them).
    /// </summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var api = builder.Configuration.ReadValidated(ApiOptions.Section, new ApiOptionsValidator());
        if (!HasExplicitUrls(builder.Configuration))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.AddReplyXSilo();
        if (api.Enabled)
        {
            builder.AddReplyXApi();
        }
        else
        {
            builder.AddReplyXOperations();
        }

        var app = builder.Build();
        app.Services.ValidateOnStartNow();
        if (api.Enabled)
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
            Banner.Print(Console.Out, addresses, api.Enabled,
                app.Services.GetRequiredService<IOptions<StorageOptions>>().Value, app.Services.GetRequiredService<IOptions<ReplyXClusterOptions>>().Value);
        });
        return app;
    }

    /// <summary>ASP.NET Core's own ways to choose addresses win over our default port.</summary>
    private static bool HasExplicitUrls(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").GetChildren().Any();
}
