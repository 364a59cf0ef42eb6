using Microsoft.Extensions.DependencyInjection;
using ReplyX.Hosting;

namespace ReplyX.Billing;

public static class BillingHosting
{
    /// <summary>Billing's options (the store is chosen with the other stores).</summary>
    public static IServiceCollection AddReplyXBilling(this IServiceCollection services)
    {
        services.AddValidatedOptions<BillingOptions, BillingOptionsValidator>(BillingOptions.Section);
        services.AddSingleton<PriceCatalog>();
        services.AddSingleton<BalanceCalls>();
        services.AddSingleton<ReplyCharges>();
        services.AddSingleton<ServiceCharges>();
        services.AddValidatedOptions<YooKassaOptions, YooKassaOptionsValidator>(YooKassaOptions.Section);
        services.AddSingleton<YooKassaClient>();
        return services;
    }
}
