using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ReplyX.Ai;

/// <summary>
/// Provider keys declared in configuration (<c>Ai:Providers:N:*</c>, see <see cref="ConfiguredProviderOptions"/>),
/// e.g. a local Ollama or vLLM server for the embedded default. They are upserted at start-up under a stable id
/// derived from their name, so every silo writes the same rows and admins see them next to keys added at runtime.
/// </summary>
public sealed record ConfiguredProvider(string Name, AiTokenSettings Settings, string ApiKey);

public static class ConfiguredProviders
{
    /// <summary>The declared keys, already validated by <see cref="AiProviderOptionsValidator"/>.</summary>
    public static IReadOnlyList<ConfiguredProvider> From(AiProviderOptions options) =>
        [.. options.Providers.Select(entry => From(entry.Key, entry.Value))];

    private static ConfiguredProvider From(string key, ConfiguredProviderOptions provider)
    {
        var name = provider.Name ?? key;
        AiProviderNames.TryParse(provider.Kind, ignoreCase: true, out var kind);
        var id = new Guid(MD5.HashData(Encoding.UTF8.GetBytes("replyx-ai-provider:" + name)));
        return new ConfiguredProvider(name, new AiTokenSettings(id, kind, provider.BaseUrl, [.. provider.Models],
            provider.Priority, provider.Rpm, provider.TokensPerDay, true,
            NullIfEmpty(provider.FolderId), NullIfEmpty(provider.Scope), NullIfEmpty(provider.ProxyUrl), NullIfEmpty(provider.AuthUrl)), provider.ApiKey!);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

internal sealed partial class ConfiguredProvidersService(
    IOptions<AiProviderOptions> options, IGrainFactory grains, ILogger<ConfiguredProvidersService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var provider in ConfiguredProviders.From(options.Value))
        {
            await grains.GetGrain<IAiAdminGrain>(0).Save(provider.Settings, provider.ApiKey);
            LogProvider(provider.Name, provider.Settings.Provider, provider.Settings.Models.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "AI provider {Name} ({Kind}, {Models} models) configured from settings")]
    private partial void LogProvider(string name, AiProviderKind kind, int models);
}
