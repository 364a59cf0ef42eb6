using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

public static class DialogsHosting
{
    /// <summary>The dialogs' options, the channel registry (channels register themselves) and the recovery sweep's starter.</summary>
    public static IServiceCollection AddReplyXDialogs(this IServiceCollection services)
    {
        services.AddValidatedOptions<DialogOptions, DialogOptionsValidator>(DialogOptions.Section);
        services.AddValidatedOptions<ReplyX.Desk.DeskOptions, ReplyX.Desk.DeskOptionsValidator>(ReplyX.Desk.DeskOptions.Section);
        services.TryAddSingleton<DialogChannels>();
        services.TryAddSingleton<AnsweringLoad>();
        services.AddHostedService<DialogRecoveryStarter>();
        return services;
    }
}
