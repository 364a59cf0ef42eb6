using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using ReplyX.Ai;
using ReplyX.Knowledge;

namespace ReplyX.Assistants;

/// <summary>Caches one assistant's configuration from the store; refuses every other account.</summary>
[GrainType("assistant")]
public sealed class AssistantGrain(IAssistantStore store, TimeProvider time) : Grain, IAssistantGrain
{
    private Assistant? _assistant;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _assistant = await store.Get(this.GetPrimaryKey(), cancellationToken);

    public async Task<Assistant> Create(Guid accountId, AssistantSettings settings)
    {
        if (_assistant is not null)
        {
            return _assistant.AccountId == accountId
                ? _assistant
                : throw new InvalidOperationException("This assistant id is taken.");
        }
        var now = time.GetUtcNow();
        var assistant = new Assistant(this.GetPrimaryKey(), accountId, settings, Truncate(now), Truncate(now));
        await store.Insert(assistant);
        _assistant = assistant;
        return assistant;
    }

    public Task<Assistant?> Get(Guid accountId) => Task.FromResult(_assistant?.AccountId == accountId ? _assistant : null);

    public Task<PublicWidget?> Widget() => Task.FromResult(_assistant is { } a
        ? new PublicWidget(a.AccountId, a.Settings.Name, a.Settings.Language, a.Settings.Widget)
        : null);

    public async Task<Assistant?> Update(Guid accountId, AssistantSettings settings)
    {
        if (_assistant?.AccountId != accountId)
        {
            return null;
        }
        var updated = _assistant with { Settings = settings, UpdatedAt = Truncate(time.GetUtcNow()) };
        if (!await store.Update(updated))
        {
            return null;
        }
        _assistant = updated;
        return updated;
    }

    public async Task<bool> Delete(Guid accountId)
    {
        if (_assistant?.AccountId != accountId || !await store.Delete(accountId, _assistant.Id))
        {
            return false;
        }
        _assistant = null;
        DeactivateOnIdle();
        return true;
    }

    // PostgreSQL keeps microseconds: both stores answer the same instant.
    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.UtcTicks / 10 * 10, TimeSpan.Zero);
}

[GrainType("assistant-catalog"), StatelessWorker]
public sealed class AssistantCatalogGrain(IAssistantStore store) : Grain, IAssistantCatalogGrain
{
    public Task<IReadOnlyList<Assistant>> List(Guid accountId) => store.List(accountId);
}

/// <summary>
/// One-off questions. A stateless worker, so slow AI calls spread over activations on every silo instead of
/// queueing behind one grain.
/// </summary>
[GrainType("ask"), StatelessWorker]
public sealed class AskGrain(AiRouter router, HybridRetriever retriever, ReplyX.Billing.ReplyCharges charges, IOptions<AiProviderOptions> options) : Grain, IAskGrain
{
    public async Task<AskResult?> Ask(Guid accountId, Guid assistantId, string text)
    {
        // The ask answers inside this grain call: one slow attempt plus failover would outlast Orleans'
        // response timeout, so the whole ask has a budget below it. Wall-clock time, as the timeout's is.
        using var budget = new CancellationTokenSource(options.Value.AskBudget);
        var assistant = await GrainFactory.GetGrain<IAssistantGrain>(assistantId).Get(accountId);
        if (assistant is null)
        {
            return null;
        }
        var s = assistant.Settings;
        // Grounded like a dialog's answer: the same retrieval, prompt and "not in the documents" rule.
        var grounding = await retriever.Ground(assistant, text, null);
        if (grounding.Kind == GroundingKind.NothingFound)
        {
            return new AskResult(grounding.NothingFoundText(), false, [], 0, 0, null);
        }
        // Paid like a dialog's reply: held first, charged once its answer is in.
        var request = new AiRequest(accountId, s.Model, s.Providers,
            [new AiChatMessage("system", ReplyX.Dialogs.PromptBuilder.SystemPrompt(s, grounding.Instructions())), new AiChatMessage("user", text)], s.Temperature);
        var key = "ask:" + Guid.NewGuid().ToString("N");
        if (!await charges.Reserve(accountId, key, s.Model, request.Messages, request.MaxOutputTokens))
        {
            return new AskResult("", false, [], 0, 0, s.Model, Unpaid: true);
        }
        var charged = false;
        try
        {
            var answer = await router.Complete(request, budget.Token);
            await charges.Charge(accountId, key, "ask:" + assistantId, answer);
            charged = true;
            var decision = ReplyX.Dialogs.HandoffPolicy.Decide(answer.Text, s, 1, offeredHuman: true);
            var (cited, sources) = grounding.Cited(decision.Text.Length > 0 ? decision.Text : ReplyTexts.ConnectingOperator(s));
            return new AskResult(cited, false, sources, answer.PromptTokens, answer.CompletionTokens, answer.Model, TokensEstimated: answer.TokensEstimated);
        }
        catch (AiNotConfiguredException)
        {
            if (grounding.Kind == GroundingKind.Passages)
            {
                var (quote, quoted) = grounding.CanQuote ? grounding.Quote() : (grounding.NothingFoundText(), []);
                return new AskResult(quote, true, quoted, 0, 0, null);
            }
            return new AskResult(ReplyTexts.Offline(s), true, [], 0, 0, null);
        }
        catch (AiUnavailableException ex)
        {
            return RetryLater(s, ex.RetryAt);
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested)
        {
            // The budget is spent (slow keys): the same "retry later" as when no key could answer.
            return RetryLater(s, null);
        }
        finally
        {
            if (!charged)
            {
                await charges.Release(accountId, key);
            }
        }
    }

    private static AskResult RetryLater(AssistantSettings s, DateTimeOffset? retryAt) =>
        new("", false, [], 0, 0, s.Model, retryAt ?? DateTimeOffset.UtcNow.AddSeconds(30));
}
