using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Dialogs;

public sealed class DialogOptionsValidator : IValidateOptions<DialogOptions>
{
    public ValidateOptionsResult Validate(string? name, DialogOptions options) =>
        new OptionsFailures(DialogOptions.Section)
            .Positive(nameof(options.RecentWindow), options.RecentWindow)
            .Positive(nameof(options.HistoryTokenBudget), options.HistoryTokenBudget)
            .Positive(nameof(options.MaxAiWait), options.MaxAiWait)
            .NotNegative(nameof(options.TypingInterval), options.TypingInterval)
            .Positive(nameof(options.ChannelTypingDelay), options.ChannelTypingDelay)
            .Positive(nameof(options.StateFlushDelay), options.StateFlushDelay)
            .NotNegative(nameof(options.AssistantCacheTime), options.AssistantCacheTime)
            .Positive(nameof(options.AccountFeedInterval), options.AccountFeedInterval)
            // A reminder period: Orleans' floor is lowered to it, but not below a second.
            .AtLeast(nameof(options.RecoveryPeriod), options.RecoveryPeriod, TimeSpan.FromSeconds(1), "one second")
            .Positive(nameof(options.RecoveryAge), options.RecoveryAge)
            .Positive(nameof(options.DeliveryRetryDelay), options.DeliveryRetryDelay)
            .NotNegative(nameof(options.DeliveryRetries), options.DeliveryRetries)
            .ToValidation();
}
