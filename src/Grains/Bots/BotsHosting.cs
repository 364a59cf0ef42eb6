using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReplyX.Dialogs;
using ReplyX.Hosting;

namespace ReplyX.Bots;

public static class BotsHosting
{
    /// <summary>Telegram bots: their options, the shared Bot API clients and the dialogs' Telegram channel.</summary>
    public static IServiceCollection AddReplyXBots(this IServiceCollection services)
    {
        services.AddValidatedOptions<TelegramOptions, TelegramOptionsValidator>(TelegramOptions.Section);
        services.AddReplyXWebhookSecrets();
        services.TryAddSingleton<TelegramClients>();
        services.TryAddSingleton<IntakeGate>();
        services.AddSingleton<IDialogChannel, TelegramChannel>();
        return services;
    }
}
