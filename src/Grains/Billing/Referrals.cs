using Npgsql;

namespace ReplyX.Billing;

/// <summary>Which account brought which (sql/024_referrals.sql): an account has at most one referrer, set when it registers.</summary>
public interface IReferralStore
{
    Task Link(Guid referee, Guid referrer, DateTimeOffset at);

    Task<Guid?> Referrer(Guid referee);
}

public sealed class InMemoryReferralStore : IReferralStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, Guid> _referrers = new();

    public Task Link(Guid referee, Guid referrer, DateTimeOffset at)
    {
        _referrers.TryAdd(referee, referrer);
        return Task.CompletedTask;
    }

    public Task<Guid?> Referrer(Guid referee) => Task.FromResult(_referrers.TryGetValue(referee, out var r) ? r : (Guid?)null);
}

public sealed class PostgresReferralStore(NpgsqlDataSource dataSource) : IReferralStore
{
    public async Task Link(Guid referee, Guid referrer, DateTimeOffset at)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO referrals (referee_account, referrer_account, linked_at) VALUES (@referee, @referrer, @at) ON CONFLICT (referee_account) DO NOTHING");
        command.Parameters.AddWithValue("referee", referee);
        command.Parameters.AddWithValue("referrer", referrer);
        command.Parameters.AddWithValue("at", BillingTime.Micro(at));
        await command.ExecuteNonQueryAsync();
    }

    public async Task<Guid?> Referrer(Guid referee)
    {
        await using var command = dataSource.CreateCommand("SELECT referrer_account FROM referrals WHERE referee_account = @referee");
        command.Parameters.AddWithValue("referee", referee);
        return await command.ExecuteScalarAsync() is Guid referrer ? referrer : null;
    }
}
