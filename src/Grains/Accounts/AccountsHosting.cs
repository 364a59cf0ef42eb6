using Microsoft.Extensions.DependencyInjection;
using ReplyX.Hosting;

namespace ReplyX.Accounts;

public static class AccountsHosting
{
    /// <summary>The login throttle's options and the start-up creation of the configured platform admin.</summary>
    public static IServiceCollection AddReplyXAccounts(this IServiceCollection services)
    {
        services.AddValidatedOptions<LoginThrottleOptions, LoginThrottleOptionsValidator>(LoginThrottleOptions.Section);
        services.AddValidatedOptions<AdminBootstrapOptions, AdminBootstrapOptionsValidator>(AdminBootstrapOptions.Section);
        services.AddHostedService<AdminBootstrapService>();
        return services;
    }
}
