using Polly;
using Polly.Retry;

namespace ReplyX.Bots;

/// <summary>A failed receive attempt and the pause before the next.</summary>
public readonly record struct ReceiveFailure(Exception Exception, TimeSpan Delay);

/// <summary>
/// The receiving side's one back-off: exponential from <see cref="TelegramOptions.RetryDelay"/> to 30 s, with
/// jitter (ten thousand bots must not retry in step after a Telegram outage), reset by every success.
/// </summary>
public static class ReceiverBackoff
{
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    public static ResiliencePipeline Build(TelegramOptions options, TimeProvider time, Func<Exception, bool> retryable, Func<ReceiveFailure, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                Delay = options.RetryDelay,
                MaxDelay = MaxDelay,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    !args.Context.CancellationToken.IsCancellationRequested && args.Outcome.Exception is { } e && retryable(e)),
                OnRetry = args => onRetry(new ReceiveFailure(args.Outcome.Exception!, args.RetryDelay)),
            })
            .Build();
}
