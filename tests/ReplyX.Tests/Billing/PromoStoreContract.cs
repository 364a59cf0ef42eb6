using ReplyX.Billing;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Billing;

/// <summary>Promo codes on every store: never more uses than allowed and each account once, under concurrent redemption from two silos.</summary>
public abstract class PromoStoreContract
{
    protected abstract IPromoStore Store { get; }

    /// <summary>A second store over the same data (another silo's).</summary>
    protected abstract IPromoStore Other { get; }

    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static PromoCode Code(int maxUses, DateTimeOffset? expires = null) =>
        new("SPRING-" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant(), 50_000_000, maxUses, 0, expires, null, Now);

    [Fact]
    public async Task Concurrent_redemptions_from_two_silos_never_exceed_the_uses_and_each_account_redeems_once()
    {
        var code = Code(maxUses: 50);
        Assert.True(await Store.Create(code));
        Assert.False(await Other.Create(code with { Amount = 1 })); // the name is taken
        var accounts = Enumerable.Range(0, 120).Select(_ => Guid.NewGuid()).ToArray();

        // Every account tries twice, from both silos at once.
        var attempts = await Task.WhenAll(accounts.SelectMany(a => new[] { Store, Other }.Select(s => s.Redeem(code.Code, a, Now))));

        Assert.Equal(50, attempts.Count(r => r.Outcome == RedeemOutcome.Taken));
        var winners = accounts.Where((a, i) => attempts[i * 2].Outcome == RedeemOutcome.Taken || attempts[i * 2 + 1].Outcome == RedeemOutcome.Taken).ToList();
        Assert.Equal(50, winners.Count); // never one account twice
        Assert.All(attempts, r => Assert.Contains(r.Outcome, new[] { RedeemOutcome.Taken, RedeemOutcome.AlreadyRedeemed, RedeemOutcome.UsedUp }));
        var stored = (await Store.List()).Single(c => c.Code == code.Code);
        Assert.Equal(50, stored.Uses);
        Assert.Equal(RedeemOutcome.AlreadyRedeemed, (await Store.Redeem(code.Code, winners[0], Now)).Outcome);
        Assert.Equal(RedeemOutcome.UsedUp, (await Store.Redeem(code.Code, Guid.NewGuid(), Now)).Outcome);
    }

    [Fact]
    public async Task An_expired_or_unknown_code_takes_nothing()
    {
        var code = Code(maxUses: 5, expires: Now.AddMinutes(1));
        await Store.Create(code);

        Assert.Equal(RedeemOutcome.Expired, (await Store.Redeem(code.Code, Guid.NewGuid(), Now.AddMinutes(2))).Outcome);
        Assert.Equal(RedeemOutcome.NotFound, (await Store.Redeem("NO-SUCH-CODE-" + Guid.NewGuid().ToString("N"), Guid.NewGuid(), Now)).Outcome);
        Assert.Equal(0, (await Store.List()).Single(c => c.Code == code.Code).Uses);
        Assert.Equal(RedeemOutcome.Taken, (await Store.Redeem(code.Code, Guid.NewGuid(), Now)).Outcome);
    }
}

public sealed class InMemoryPromoStoreTests : PromoStoreContract
{
    private readonly InMemoryPromoStore _store = new();

    protected override IPromoStore Store => _store;
    protected override IPromoStore Other => _store;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPromoStoreTests(MigratedDatabase database) : PromoStoreContract, IClassFixture<MigratedDatabase>
{
    protected override IPromoStore Store { get; } = new PostgresPromoStore(database.DataSource);
    protected override IPromoStore Other { get; } = new PostgresPromoStore(Npgsql.NpgsqlDataSource.Create(database.ConnectionString));
}
