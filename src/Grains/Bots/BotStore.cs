using Npgsql;

namespace ReplyX.Bots;

public sealed record BotRecord(Guid Id, Guid AccountId, Guid AssistantId, long TelegramId, string Username);

/// <summary>Which bots an account has (<c>bots</c>); the bot's own state lives in its grain.</summary>
public interface IBotStore
{
    /// <summary>False when this Telegram bot is already connected (to any account).</summary>
    Task<bool> Add(BotRecord bot, CancellationToken cancellationToken = default);

    Task<bool> Remove(Guid accountId, Guid id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<BotRecord>> List(Guid accountId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<BotRecord>> ListAll(Guid? after, int limit, CancellationToken cancellationToken = default);
}

public sealed class InMemoryBotStore : IBotStore
{
    private readonly Lock _gate = new();
    private readonly List<BotRecord> _bots = [];

    public Task<bool> Add(BotRecord bot, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_bots.Any(b => b.TelegramId == bot.TelegramId || b.Id == bot.Id))
            {
                return Task.FromResult(false);
            }
            _bots.Add(bot);
            return Task.FromResult(true);
        }
    }

    public Task<bool> Remove(Guid accountId, Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_bots.RemoveAll(b => b.Id == id && b.AccountId == accountId) > 0);
        }
    }

    public Task<IReadOnlyList<BotRecord>> List(Guid accountId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<BotRecord> list = _bots.Where(b => b.AccountId == accountId).ToArray();
            return Task.FromResult(list);
        }
    }

    public Task<IReadOnlyList<BotRecord>> ListAll(Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<BotRecord> page = _bots
                .Where(b => after is null || string.CompareOrdinal(b.Id.ToString("N"), after.Value.ToString("N")) > 0)
                .OrderBy(b => b.Id.ToString("N"), StringComparer.Ordinal)
                .Take(limit)
                .ToArray();
            return Task.FromResult(page);
        }
    }
}

public sealed class PostgresBotStore(NpgsqlDataSource dataSource) : IBotStore
{
    public async Task<bool> Add(BotRecord bot, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO bots (id, account_id, assistant_id, telegram_id, username) VALUES (@id, @account, @assistant, @tg, @username) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue("id", bot.Id);
        command.Parameters.AddWithValue("account", bot.AccountId);
        command.Parameters.AddWithValue("assistant", bot.AssistantId);
        command.Parameters.AddWithValue("tg", bot.TelegramId);
        command.Parameters.AddWithValue("username", bot.Username);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> Remove(Guid accountId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM bots WHERE id = @id AND account_id = @account");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("account", accountId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<IReadOnlyList<BotRecord>> ListAll(Guid? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, account_id, assistant_id, telegram_id, username FROM bots WHERE (@after::uuid IS NULL OR id > @after::uuid) ORDER BY id LIMIT @limit");
        command.Parameters.AddWithValue("after", NpgsqlTypes.NpgsqlDbType.Uuid, (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("limit", limit);
        return await Read(command, cancellationToken);
    }

    public async Task<IReadOnlyList<BotRecord>> List(Guid accountId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, account_id, assistant_id, telegram_id, username FROM bots WHERE account_id = @account ORDER BY created_at, id");
        command.Parameters.AddWithValue("account", accountId);
        return await Read(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<BotRecord>> Read(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<BotRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new BotRecord(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetInt64(3), reader.GetString(4)));
        }
        return list;
    }
}
