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
    /// <summary>The account's balance (or today's cap) cannot pay for a reply: nothing was asked.</summary>
    Unpaid,
}

public readonly record struct AnswerOutcome(AnswerKind Kind, AiAnswer? Answer = null, DateTimeOffset RetryAt = default, string? Reason = null);

/// <summary>One AI attempt for one question: the prompt, the call, and what its failure means for the dialog.</summary>
public sealed class AiAnswerer(AiRouter router, ReplyX.Billing.ReplyCharges charges, DialogOptions options, TimeProvider time)
{
    private DateTimeOffset? _unavailableSince;

    /// <summary>
    /// Asks the model about question <paramref name="questionSeq"/> of <paramref name="dialogId"/>, paid by the account:
    /// the reply's most is held first, and an answer is returned only once its charge is durable.
    /// </summary>
    public async Task<AnswerOutcome> Ask(Guid accountId, Guid dialogId, Assistant? assistant, Grounding grounding, IReadOnlyList<DialogMessage> recent, long questionSeq,
        Func<string, ValueTask>? onPartial, CancellationToken cancellationToken)
    {
        if (assistant is null)
        {
            return new AnswerOutcome(AnswerKind.Offline, Reason: "no assistant");
        }
        var settings = assistant.Settings;
        var request = new AiRequest(accountId, settings.Model, settings.Providers,
            PromptBuilder.Build(settings, recent, questionSeq, options.HistoryTokenBudget, grounding.Instructions()), settings.Temperature, OnPartial: onPartial);
        var key = ReplyX.Billing.ReplyCharges.DialogKey(dialogId, questionSeq);
        if (!await charges.Reserve(accountId, key, settings.Model, request.Messages, request.MaxOutputTokens))
        {
            return new AnswerOutcome(AnswerKind.Unpaid, Reason: "the balance cannot pay for a reply");
        }
        AiAnswer answer;
        try
        {
            answer = await router.Complete(request, cancellationToken);
            _unavailableSince = null;
        }
        catch (Exception ex)
        {
            await charges.Release(accountId, key);
            if (Failure(ex, cancellationToken) is { } outcome)
            {
                return outcome;
            }
            throw;
        }
        // The provider was paid for it: so is ReplyX, whether or not the dialog still wants the answer.
        await charges.Charge(accountId, key, $"dialog:{dialogId}:{questionSeq}", answer);
        return new AnswerOutcome(AnswerKind.Answered, answer);
    }

    /// <summary>What a failed call means for the dialog; null for a failure that is not the AI's (the loop retries it).</summary>
    private AnswerOutcome? Failure(Exception exception, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return new AnswerOutcome(AnswerKind.Cancelled);
            case AiNotConfiguredException ex:
                return new AnswerOutcome(AnswerKind.Offline, Reason: ex.Message);
            case AiUnavailableException ex:
                var now = time.GetUtcNow();
                _unavailableSince ??= now;
                if (now - _unavailableSince >= options.MaxAiWait)
                {
                    _unavailableSince = null;
                    return new AnswerOutcome(AnswerKind.Offline, Reason: ex.Message);
                }
                return new AnswerOutcome(AnswerKind.Retry, RetryAt: ex.RetryAt is { } at && at > now ? at : now + TimeSpan.FromSeconds(5), Reason: ex.Message);
            default:
                return null;
        }
    }
}
