using Microsoft.Extensions.Options;
using ReplyX.Ai;

namespace ReplyX.Billing;

/// <summary>
/// What an AI reply costs and who pays: before the call, a hold on the account's balance for the most the reply
/// can cost (its prompt at about two characters a token, plus the whole output allowance); after it, the exact
/// charge by the provider's token counts, durable before the answer is stored, once per question by its key.
/// A crash before the charge leaves the question unanswered, so it is asked (and charged) again under the same
/// key; a crash after it finds the key charged.
/// </summary>
public sealed class ReplyCharges(IGrainFactory grains, BalanceCalls balances, PriceCatalog prices, IOptions<BillingOptions> options, TimeProvider time)
{
    public bool Enabled => options.Value.Enabled;

    public static string DialogKey(Guid dialogId, long questionSeq) => $"ai:{dialogId:N}:{questionSeq}";

    /// <summary>Holds the most the reply may cost; false when the account cannot pay it.</summary>
    public async Task<bool> Reserve(Guid accountId, string key, string model, IReadOnlyList<AiChatMessage> prompt, int maxOutputTokens)
    {
        if (!Enabled)
        {
            return true;
        }
        var list = await prices.Get();
        var most = list.AiReply(model, prompt.Sum(m => m.Text.Length) / 2 + AiTokenEstimator.MessageOverhead * prompt.Count, maxOutputTokens, time.GetUtcNow());
        return most <= 0 || await balances.Reserve(accountId, key, most);
    }

    public async Task Release(Guid accountId, string key)
    {
        if (Enabled)
        {
            await grains.GetGrain<IBalanceGrain>(accountId).Release(key);
        }
    }

    /// <summary>Charges the reply by its tokens; it may take the balance below its hold's margin but never refuses: the work is done.</summary>
    public async Task<MovementResult?> Charge(Guid accountId, string key, string reference, AiAnswer answer)
    {
        if (!Enabled)
        {
            return null;
        }
        var amount = (await prices.Get()).AiReply(answer.Model, answer.PromptTokens, answer.CompletionTokens, time.GetUtcNow());
        if (amount <= 0)
        {
            await grains.GetGrain<IBalanceGrain>(accountId).Release(key);
            return null;
        }
        return await balances.Apply(accountId, new Movement(key, -amount, LedgerKind.Charge, BillingServices.AiMessage, reference, MayOverdraw: true));
    }
}
