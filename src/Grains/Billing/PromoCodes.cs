using Npgsql;

namespace ReplyX.Billing;

public enum RedeemOutcome
{
    /// <summary>A use was taken for this account now (or by an earlier attempt that did not finish).</summary>
    Taken,
    /// <summary>This account redeemed it before.</summary>
    AlreadyRedeemed,
    NotFound,
    Expired,
    /// <summary>Every use is taken.</summary>
    UsedUp,
}

/// <summary>
/// promo_codes and their redemptions (sql/023). <see cref="Redeem"/> is atomic: a use is taken and the account
/// recorded together, never beyond the code's uses, whichever silos redeem at once.
/// </summary>
public interface IPromoStore
{
    /// <summary>False when the code exists already.</summary>
    Task<bool> Create(PromoCode code);

    Task<IReadOnlyList<PromoCode>> List();

    Task<(RedeemOutcome Outcome, PromoCode? Code)> Redeem(string code, Guid accountId, DateTimeOffset at);
}

public static class PromoCodes
{
    /// <summary>Codes compare case-insensitively and without surrounding spaces.</summary>
    public static string Normalize(string code) => code.Trim().ToUpperInvariant();

    public static string CreditKey(string code) => "promo:" + Normalize(code);
}

public sealed class InMemoryPromoStore : IPromoStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PromoCode> _codes = new(StringComparer.Ordinal);
    private readonly HashSet<(string, Guid)> _redeemed = [];

    public Task<bool> Create(PromoCode code)
    {
        lock (_gate)
        {
            return Task.FromResult(_codes.TryAdd(code.Code, code with { CreatedAt = BillingTime.Micro(code.CreatedAt) }));
        }
    }

    public Task<IReadOnlyList<PromoCode>> List()
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<PromoCode>>(_codes.Values.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Code, StringComparer.Ordinal).ToList());
        }
    }

    public Task<(RedeemOutcome, PromoCode?)> Redeem(string code, Guid accountId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_codes.TryGetValue(code, out var promo))
            {
                return Task.FromResult<(RedeemOutcome, PromoCode?)>((RedeemOutcome.NotFound, null));
            }
            if (_redeemed.Contains((code, accountId)))
            {
                return Task.FromResult<(RedeemOutcome, PromoCode?)>((RedeemOutcome.AlreadyRedeemed, promo));
            }
            if (promo.ExpiresAt is { } until && until <= at)
            {
                return Task.FromResult<(RedeemOutcome, PromoCode?)>((RedeemOutcome.Expired, promo));
            }
            if (promo.Uses >= promo.MaxUses)
            {
                return Task.FromResult<(RedeemOutcome, PromoCode?)>((RedeemOutcome.UsedUp, promo));
            }
            _redeemed.Add((code, accountId));
            _codes[code] = promo = promo with { Uses = promo.Uses + 1 };
            return Task.FromResult<(RedeemOutcome, PromoCode?)>((RedeemOutcome.Taken, promo));
        }
    }
}

public sealed class PostgresPromoStore(NpgsqlDataSource dataSource) : IPromoStore
{
    private const string Columns = "code, amount, max_uses, uses, expires_at, created_by, created_at";

    public async Task<bool> Create(PromoCode c)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO promo_codes ({Columns}) VALUES (@code, @amount, @max, 0, @expires, @by, @at) ON CONFLICT (code) DO NOTHING
            """);
        command.Parameters.AddWithValue("code", c.Code);
        command.Parameters.AddWithValue("amount", c.Amount);
        command.Parameters.AddWithValue("max", c.MaxUses);
        command.Parameters.AddWithValue("expires", NpgsqlTypes.NpgsqlDbType.TimestampTz, (object?)c.ExpiresAt ?? DBNull.Value);
        command.Parameters.AddWithValue("by", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)c.CreatedBy ?? DBNull.Value);
        command.Parameters.AddWithValue("at", BillingTime.Micro(c.CreatedAt));
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public async Task<IReadOnlyList<PromoCode>> List()
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM promo_codes ORDER BY created_at DESC, code");
        await using var reader = await command.ExecuteReaderAsync();
        var codes = new List<PromoCode>();
        while (await reader.ReadAsync())
        {
            codes.Add(Read(reader));
        }
        return codes;
    }

    private static PromoCode Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.GetInt32(3),
        r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.IsDBNull(5) ? null : r.GetGuid(5), r.GetFieldValue<DateTimeOffset>(6));

    public async Task<(RedeemOutcome Outcome, PromoCode? Code)> Redeem(string code, Guid accountId, DateTimeOffset at)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        PromoCode? promo;
        // The code's row is locked: concurrent redemptions of one code, from any silo, take their turns.
        await using (var select = new NpgsqlCommand($"SELECT {Columns} FROM promo_codes WHERE code = @code FOR UPDATE", connection, tx))
        {
            select.Parameters.AddWithValue("code", code);
            await using var reader = await select.ExecuteReaderAsync();
            promo = await reader.ReadAsync() ? Read(reader) : null;
        }
        if (promo is null)
        {
            return (RedeemOutcome.NotFound, null);
        }
        await using (var seen = new NpgsqlCommand("SELECT 1 FROM promo_redemptions WHERE code = @code AND account_id = @account", connection, tx))
        {
            seen.Parameters.AddWithValue("code", code);
            seen.Parameters.AddWithValue("account", accountId);
            if (await seen.ExecuteScalarAsync() is not null)
            {
                return (RedeemOutcome.AlreadyRedeemed, promo);
            }
        }
        if (promo.ExpiresAt is { } until && until <= at)
        {
            return (RedeemOutcome.Expired, promo);
        }
        if (promo.Uses >= promo.MaxUses)
        {
            return (RedeemOutcome.UsedUp, promo);
        }
        await using (var take = new NpgsqlCommand("""
            UPDATE promo_codes SET uses = uses + 1 WHERE code = @code;
            INSERT INTO promo_redemptions (code, account_id, at) VALUES (@code, @account, @at);
            """, connection, tx))
        {
            take.Parameters.AddWithValue("code", code);
            take.Parameters.AddWithValue("account", accountId);
            take.Parameters.AddWithValue("at", BillingTime.Micro(at));
            await take.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return (RedeemOutcome.Taken, promo with { Uses = promo.Uses + 1 });
    }
}
