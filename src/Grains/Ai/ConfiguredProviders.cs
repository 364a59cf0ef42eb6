using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplyX.Hosting;

namespace ReplyX.Ai;

/// <summary>
/// Provider keys declared in configuration (<c>Ai:Providers:N:*</c>), e.g. a local Ollama or vLLM server for
/// the embedded default. They are upserted at start-up under a stable id derived from their name, so every
/// silo writes the same rows and admins see them next to keys added at runtime.
/// </summary>
public sealed record ConfiguredProvider(string Name, AiTokenSettings Settings, string ApiKey);

public static class ConfiguredProviders
{
    public const string Section = "Ai:Providers";

    public static IReadOnlyList<ConfiguredProvider> Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var result = new List<ConfiguredProvider>();
        foreach (var entry in configuration.GetSection(Section).GetChildren())
        {
            var path = entry.Path;
            var name = entry["Name"] ?? entry.Key;
            if (!AiProviderNames.TryParse(entry["Kind"], ignoreCase: true, out var kind))
            {
                errors.Add($"{path}:Kind is '{entry["Kind"]}'; expected one of {string.Join(", ", AiProviderNames.All)}.");
                continue;
            }
            var apiKey = entry["ApiKey"];
            if (string.IsNullOrEmpty(apiKey))
            {
                errors.Add($"{path}:ApiKey is required (local servers accept any value, e.g. 'ollama').");
                continue;
            }
            var baseUrl = entry["BaseUrl"];
            if (baseUrl is not null && !Uri.TryCreate(baseUrl, UriKind.Absolute, out _))
            {
                errors.Add($"{path}:BaseUrl is not an absolute URL.");
                continue;
            }
            if (kind == AiProviderKind.Custom && baseUrl is null)
            {
                errors.Add($"{path}:BaseUrl is required for a custom provider.");
                continue;
            }
            var models = entry.GetSection("Models").GetChildren().Select(m => m.Value).OfType<string>().ToArray();
            var id = new Guid(MD5.HashData(Encoding.UTF8.GetBytes("replyx-ai-provider:" + name)));
            result.Add(new ConfiguredProvider(name, new AiTokenSettings(id, kind, baseUrl, models,
                entry.GetValue("Priority", 100), entry.GetValue<int?>("Rpm"), entry.GetValue<long?>("TokensPerDay"), true,
                entry["FolderId"], entry["Scope"], entry["ProxyUrl"], entry["AuthUrl"]), apiKey));
        }
        ConfigurationReader.ThrowIfAny(errors);
        return result;
    }
}

internal sealed partial class ConfiguredProvidersService(
    IReadOnlyList<ConfiguredProvider> providers, IGrainFactory grains, ILogger<ConfiguredProvidersService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var provider in providers)
        {
            await grains.GetGrain<IAiAdminGrain>(0).Save(provider.Settings, provider.ApiKey);
            LogProvider(provider.Name, provider.Settings.Provider, provider.Settings.Models.Count);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "AI provider {Name} ({Kind}, {Models} models) configured from settings")]
    private partial void LogProvider(string name, AiProviderKind kind, int models);
}
