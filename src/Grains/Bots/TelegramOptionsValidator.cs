using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Bots;

public sealed class TelegramOptionsValidator : IValidateOptions<TelegramOptions>
{
    public ValidateOptionsResult Validate(string? name, TelegramOptions options)
    {
        var failures = new OptionsFailures(TelegramOptions.Section);
        return failures
            .AbsoluteUrl(nameof(options.ApiBaseUrl), options.ApiBaseUrl)
            // Empty: long polling. Telegram calls webhooks over https only; a local Bot API server also over http.
            .AbsoluteUrl(nameof(options.PublicUrl), options.PublicUrl)
            // getUpdates takes whole seconds: below one it would be 0, a short poll in a tight loop.
            .AtLeast(nameof(options.PollTimeout), options.PollTimeout, TimeSpan.FromSeconds(1), "one second")
            .Positive(nameof(options.PerBotPerSecond), options.PerBotPerSecond)
            .AtLeast(nameof(options.KeepAlivePeriod), options.KeepAlivePeriod, TimeSpan.FromSeconds(1), "one second")
            .Between(nameof(options.RetryDelay), options.RetryDelay, TimeSpan.Zero, TimeSpan.FromSeconds(30), "above zero and at most 30 seconds (the back-off's cap)")
            .Positive(nameof(options.MaxCallConnections), options.MaxCallConnections)
            .Positive(nameof(options.MaxPollConnections), options.MaxPollConnections)
            .Positive(nameof(options.MaxActionConnections), options.MaxActionConnections)
            .Positive(nameof(options.MaxTypingInFlight), options.MaxTypingInFlight)
            .NotNegative(nameof(options.ConflictGracePeriod), options.ConflictGracePeriod)
            .Positive(nameof(options.StateFlushDelay), options.StateFlushDelay)
            .NotNegative(nameof(options.IntakeMaxAnswering), options.IntakeMaxAnswering)
            .NotNegative(nameof(options.IntakeBusyLag), options.IntakeBusyLag)
            .NotNegative(nameof(options.PrivateChatInterval), options.PrivateChatInterval)
            .NotNegative(nameof(options.GroupChatInterval), options.GroupChatInterval)
            .ToValidation();
    }
}
