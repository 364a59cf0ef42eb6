using ReplyX.Hosting;

namespace ReplyX.Billing;

/// <summary>
/// The message path's calls to balance grains, combined per account in this silo: while a call to an account's
/// grain is in flight, the holds and charges that arrive for it go out together in the next one
/// (<see cref="KeyedBatcher{TKey, TItem, TResult}"/>). A hot account answering thousands of replies a second
/// then takes a few hundred grain calls instead of three per reply; each caller still waits for its own
/// result, and a charge's result still means it is durable.
/// </summary>
public sealed class BalanceCalls
{
    /// <summary>The most holds or movements one call carries (the grain writes movements in batches of its own).</summary>
    public const int MaxBatch = 256;

    private readonly KeyedBatcher<Guid, Hold, bool> _holds;
    private readonly KeyedBatcher<Guid, Movement, MovementResult> _movements;

    public BalanceCalls(IGrainFactory grains)
    {
        _holds = new((account, holds) => grains.GetGrain<IBalanceGrain>(account).ReserveMany(holds), MaxBatch);
        _movements = new((account, movements) => grains.GetGrain<IBalanceGrain>(account).ApplyMany(movements), MaxBatch);
    }

    /// <summary>Grain calls made so far for holds and for movements.</summary>
    public (long Holds, long Movements) Calls => (_holds.Calls, _movements.Calls);

    public Task<bool> Reserve(Guid accountId, string key, long amount) => _holds.Run(accountId, new Hold(key, amount));

    /// <summary>Applies <paramref name="movement"/> once per key; durable when the result is returned.</summary>
    public Task<MovementResult> Apply(Guid accountId, Movement movement)
    {
        // Checked here: one invalid movement would otherwise fail the call that carries others.
        if (LedgerRules.Invalid(movement) is { } reason)
        {
            throw new ArgumentException(reason, nameof(movement));
        }
        return _movements.Run(accountId, movement);
    }
}
