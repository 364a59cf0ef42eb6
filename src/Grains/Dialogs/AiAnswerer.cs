using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Knowledge;

namespace ReplyX.Dialogs;

public enum AnswerKind
{
    /// <summary>The model answered.</summary>
    Answered,
    /// <summary>No provider serves the model, or none answered within <see cref="DialogOptions.MaxAiWait"/>: the fallback text goes out.</summary>
    Offline,
    /// <summary>No key has room now: ask again at <see cref="AnswerOutcome.RetryAt"/>.</summary>
    Retry,
    /// <summary>The dialog changed hands during the call.</summary>
    Cancelled,
}

public readonly record struct AnswerOutcome(AnswerKind Kind, AiAnswer? Answer = null, DateTimeOffset RetryAt = default, string? Reason = null);

/// <summary>One AI attempt for one question: the prompt, the call, and what its failure means for the dialog.</summary>
public sealed class AiAnswerer(AiRouter router, DialogOptions options, TimeProvider time)
{
    private DateTimeOffset? _unavailableSince;

    public async Task<AnswerOutcome> Ask(Guid accountId, Assistant? assistant, Grounding grounding, IReadOnlyList<DialogMessage> recent, long questionSeq,
        Func<string, ValueTask>? onPartial, CancellationToken cancellationToken)
    {
        if (assistant is null)
        {
            return new AnswerOutcome(AnswerKind.Offline, Reason: "no assistant");
        }
        var settings = assistant.Settings;
        var request = new AiRequest(accountId, settings.Model, settings.Providers,
            PromptBuilder.Build(settings, recent, questionSeq, options.HistoryTokenBudget, grounding.Instructions()), settings.Temperature, OnPartial: onPartial);
        try
        {
            var answer = await router.Complete(request, cancellationToken);
            _unavailableSince = null;
            return new AnswerOutcome(AnswerKind.Answered, answer);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new AnswerOutcome(AnswerKind.Cancelled);
        }
        catch (AiNotConfiguredException ex)
        {
            return new AnswerOutcome(AnswerKind.Offline, Reason: ex.Message);
        }
        catch (AiUnavailableException ex)
        {
            var now = time.GetUtcNow();
            _unavailableSince ??= now;
            if (now - _unavailableSince >= options.MaxAiWait)
            {
                _unavailableSince = null;
                return new AnswerOutcome(AnswerKind.Offline, Reason: ex.Message);
            }
            return new AnswerOutcome(AnswerKind.Retry, RetryAt: ex.RetryAt is { } at && at > now ? at : now + TimeSpan.FromSeconds(5), Reason: ex.Message);
        }
    }
}
