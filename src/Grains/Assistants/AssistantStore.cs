using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace ReplyX.Assistants;

/// <summary>Assistants (<c>assistants</c>); every method is scoped to the owning account.</summary>
public interface IAssistantStore
{
    Task Insert(Assistant assistant, CancellationToken cancellationToken = default);

    Task<Assistant?> Get(Guid id, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<Assistant>> List(Guid accountId, CancellationToken cancellationToken = default);

    Task<bool> Update(Assistant assistant, CancellationToken cancellationToken = default);

    Task<bool> Delete(Guid accountId, Guid id, CancellationToken cancellationToken = default);
}

internal static class AssistantJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}

public sealed class InMemoryAssistantStore : IAssistantStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Assistant> _items = [];

    public Task Insert(Assistant assistant, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _items.Add(assistant.Id, assistant);
        }
        return Task.CompletedTask;
    }

    public Task<Assistant?> Get(Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_items.GetValueOrDefault(id));
        }
    }

    public Task<IReadOnlyList<Assistant>> List(Guid accountId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<Assistant> list = _items.Values.Where(a => a.AccountId == accountId).OrderBy(a => a.CreatedAt).ThenBy(a => a.Id).ToArray();
            return Task.FromResult(list);
        }
    }

    public Task<bool> Update(Assistant assistant, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_items.TryGetValue(assistant.Id, out var current) || current.AccountId != assistant.AccountId)
            {
                return Task.FromResult(false);
            }
            _items[assistant.Id] = assistant;
            return Task.FromResult(true);
        }
    }

    public Task<bool> Delete(Guid accountId, Guid id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_items.TryGetValue(id, out var a) && a.AccountId == accountId && _items.Remove(id));
        }
    }
}

public sealed class PostgresAssistantStore(NpgsqlDataSource dataSource) : IAssistantStore
{
    private const string Columns = "id, account_id, settings, created_at, updated_at";

    public async Task Insert(Assistant a, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO assistants (id, account_id, name, settings, created_at, updated_at) VALUES (@id, @account, @name, @settings, @created, @updated)");
        Bind(command, a);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Assistant?> Get(Guid id, CancellationToken cancellationToken = default) =>
        (await Query($"SELECT {Columns} FROM assistants WHERE id = @id", ("id", id), cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<Assistant>> List(Guid accountId, CancellationToken cancellationToken = default) =>
        Query($"SELECT {Columns} FROM assistants WHERE account_id = @account ORDER BY created_at, id", ("account", accountId), cancellationToken);

    public async Task<bool> Update(Assistant a, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE assistants SET name = @name, settings = @settings, updated_at = @updated WHERE id = @id AND account_id = @account");
        Bind(command, a);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> Delete(Guid accountId, Guid id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM assistants WHERE id = @id AND account_id = @account");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("account", accountId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static void Bind(NpgsqlCommand command, Assistant a)
    {
        command.Parameters.AddWithValue("id", a.Id);
        command.Parameters.AddWithValue("account", a.AccountId);
        command.Parameters.AddWithValue("name", a.Settings.Name);
        command.Parameters.AddWithValue("settings", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(a.Settings, AssistantJson.Options));
        command.Parameters.AddWithValue("created", a.CreatedAt);
        command.Parameters.AddWithValue("updated", a.UpdatedAt);
    }

    private async Task<IReadOnlyList<Assistant>> Query(string sql, (string Name, Guid Value) parameter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter.Name, parameter.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<Assistant>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Assistant(reader.GetGuid(0), reader.GetGuid(1),
                JsonSerializer.Deserialize<AssistantSettings>(reader.GetString(2), AssistantJson.Options)!,
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc)),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc))));
        }
        return list;
    }
}
