using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReplyX.Hosting;

namespace ReplyX.Ai;

public static class AiHosting
{
    /// <summary>The AI router over the pool of provider keys, the provider client and the keys declared in configuration.</summary>
    public static IServiceCollection AddReplyXAi(this IServiceCollection services)
    {
        services.AddValidatedOptions<AiProviderOptions, AiProviderOptionsValidator>(AiProviderOptions.Section);
        services.AddValidatedOptions<AiLimitsOptions, AiLimitsOptionsValidator>(AiLimitsOptions.Section);
        services.TryAddSingleton<AiProviderClient>();
        services.TryAddSingleton<AiRouter>();
        // Registered inside the silo's services, after the silo itself: it runs once grains can be called.
        services.AddHostedService<ConfiguredProvidersService>();
        return services;
    }
}
