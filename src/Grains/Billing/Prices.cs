using Npgsql;

namespace ReplyX.Billing;

/// <summary>The price list at any instant: for a service and model, the latest row effective by then (the model's own, else the default's).</summary>
public sealed class PriceList(IReadOnlyList<ServicePrice> rows)
{
    /// <summary>The original product's prices, in force until an admin sets others (also seeded by sql/021).</summary>
    public static readonly IReadOnlyList<ServicePrice> Defaults =
    [
        new(BillingServices.AiMessage, "", 1_000, DateTimeOffset.UnixEpoch),        // 0.001 ₽ a reply
        new(BillingServices.AiTokensIn, "", 0, DateTimeOffset.UnixEpoch),
        new(BillingServices.AiTokensOut, "", 0, DateTimeOffset.UnixEpoch),
        new(BillingServices.DocumentUpload, "", 100_000, DateTimeOffset.UnixEpoch), // 0.10 ₽ a document
        new(BillingServices.BotMessage, "", 1_000, DateTimeOffset.UnixEpoch),       // 0.001 ₽ a message sent
        new(BillingServices.Embedding, "", 100, DateTimeOffset.UnixEpoch),          // 0.0001 ₽ per 1k tokens
    ];

    public IReadOnlyList<ServicePrice> Rows { get; } = rows;

    public long Price(string service, string? model, DateTimeOffset at)
    {
        ServicePrice? own = null, general = null;
        foreach (var r in Rows)
        {
            if (r.Service != service || r.EffectiveFrom > at)
            {
                continue;
            }
            if (model is not null && r.Model == model && (own is null || r.EffectiveFrom > own.EffectiveFrom))
            {
                own = r;
            }
            else if (r.Model.Length == 0 && (general is null || r.EffectiveFrom > general.EffectiveFrom))
            {
                general = r;
            }
        }
        return (own ?? general)?.Price ?? 0;
    }

    /// <summary>Per-1k-token prices applied to a count, rounded up to a whole micro-rouble (never a free fraction).</summary>
    public static long PerThousand(long pricePer1k, long tokens) => tokens <= 0 || pricePer1k <= 0 ? 0 : (pricePer1k * tokens + 999) / 1000;

    /// <summary>An AI reply: the per-reply price plus its tokens in and out at the model's prices.</summary>
    public long AiReply(string model, long promptTokens, long completionTokens, DateTimeOffset at) =>
        Price(BillingServices.AiMessage, model, at)
        + PerThousand(Price(BillingServices.AiTokensIn, model, at), promptTokens)
        + PerThousand(Price(BillingServices.AiTokensOut, model, at), completionTokens);

    /// <summary>What is in force at <paramref name="at"/>, one row per service and model.</summary>
    public IReadOnlyList<ServicePrice> Current(DateTimeOffset at) => Rows
        .Where(r => r.EffectiveFrom <= at)
        .GroupBy(r => (r.Service, r.Model))
        .Select(g => g.MaxBy(r => r.EffectiveFrom)!)
        .OrderBy(r => BillingServices.All.ToList().IndexOf(r.Service)).ThenBy(r => r.Model, StringComparer.Ordinal)
        .ToList();
}

/// <summary>service_prices (sql/021_prices.sql): rows are only added, never changed.</summary>
public interface IPriceStore
{
    Task<IReadOnlyList<ServicePrice>> All();

    Task Add(ServicePrice price);
}

public sealed class InMemoryPriceStore : IPriceStore
{
    private readonly Lock _gate = new();
    private readonly List<ServicePrice> _rows = [.. PriceList.Defaults];

    public Task<IReadOnlyList<ServicePrice>> All()
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<ServicePrice>>([.. _rows]);
        }
    }

    public Task Add(ServicePrice price)
    {
        lock (_gate)
        {
            _rows.RemoveAll(r => r.Service == price.Service && r.Model == price.Model && r.EffectiveFrom == price.EffectiveFrom);
            _rows.Add(price with { EffectiveFrom = BillingTime.Micro(price.EffectiveFrom) });
        }
        return Task.CompletedTask;
    }
}

public sealed class PostgresPriceStore(NpgsqlDataSource dataSource) : IPriceStore
{
    public async Task<IReadOnlyList<ServicePrice>> All()
    {
        await using var command = dataSource.CreateCommand("SELECT service, model, price, effective_from, set_by FROM service_prices ORDER BY service, model, effective_from");
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ServicePrice>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ServicePrice(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4)));
        }
        return rows;
    }

    public async Task Add(ServicePrice p)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO service_prices (service, model, price, effective_from, set_by) VALUES (@service, @model, @price, @from, @by)
            ON CONFLICT (service, model, effective_from) DO UPDATE SET price = excluded.price, set_by = excluded.set_by
            """);
        command.Parameters.AddWithValue("service", p.Service);
        command.Parameters.AddWithValue("model", p.Model);
        command.Parameters.AddWithValue("price", p.Price);
        command.Parameters.AddWithValue("from", BillingTime.Micro(p.EffectiveFrom));
        command.Parameters.AddWithValue("by", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)p.SetBy ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>Per silo: the price list, read again after <see cref="RefreshAfter"/> (an admin's change reaches every silo within it).</summary>
public sealed class PriceCatalog(IPriceStore store, TimeProvider time)
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private PriceList? _list;
    private DateTimeOffset _loadedAt;

    public async Task<PriceList> Get()
    {
        if (_list is { } list && time.GetUtcNow() - _loadedAt < RefreshAfter)
        {
            return list;
        }
        await _gate.WaitAsync();
        try
        {
            if (_list is null || time.GetUtcNow() - _loadedAt >= RefreshAfter)
            {
                _list = new PriceList(await store.All());
                _loadedAt = time.GetUtcNow();
            }
            return _list;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate() => _list = null;
}
