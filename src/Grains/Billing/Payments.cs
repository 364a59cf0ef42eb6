using Npgsql;

namespace ReplyX.Billing;

/// <summary>A top-up this platform started (sql/022_payments.sql): a gateway's notification is believed only for these.</summary>
public sealed record PaymentRecord(string Id, Guid AccountId, long Amount, string Status, string ClientKey, DateTimeOffset CreatedAt);

public interface IPaymentStore
{
    /// <summary>Stores a new payment; false when the account already has one with that client key (the caller returns that one).</summary>
    Task<bool> Add(PaymentRecord payment);

    Task<PaymentRecord?> Get(string paymentId);

    Task<PaymentRecord?> ByClientKey(Guid accountId, string clientKey);

    Task SetStatus(string paymentId, string status);
}

public sealed class InMemoryPaymentStore : IPaymentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, PaymentRecord> _payments = [];

    public Task<bool> Add(PaymentRecord payment)
    {
        lock (_gate)
        {
            if (_payments.Values.Any(p => p.AccountId == payment.AccountId && p.ClientKey == payment.ClientKey) || _payments.ContainsKey(payment.Id))
            {
                return Task.FromResult(false);
            }
            _payments[payment.Id] = payment;
            return Task.FromResult(true);
        }
    }

    public Task<PaymentRecord?> Get(string paymentId)
    {
        lock (_gate)
        {
            return Task.FromResult(_payments.GetValueOrDefault(paymentId));
        }
    }

    public Task<PaymentRecord?> ByClientKey(Guid accountId, string clientKey)
    {
        lock (_gate)
        {
            return Task.FromResult(_payments.Values.FirstOrDefault(p => p.AccountId == accountId && p.ClientKey == clientKey));
        }
    }

    public Task SetStatus(string paymentId, string status)
    {
        lock (_gate)
        {
            if (_payments.TryGetValue(paymentId, out var p))
            {
                _payments[paymentId] = p with { Status = status };
            }
        }
        return Task.CompletedTask;
    }
}

public sealed class PostgresPaymentStore(NpgsqlDataSource dataSource) : IPaymentStore
{
    private const string Columns = "id, account_id, amount, status, client_key, created_at";

    public async Task<bool> Add(PaymentRecord p)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO payments ({Columns}) VALUES (@id, @account, @amount, @status, @key, @at) ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("id", p.Id);
        command.Parameters.AddWithValue("account", p.AccountId);
        command.Parameters.AddWithValue("amount", p.Amount);
        command.Parameters.AddWithValue("status", p.Status);
        command.Parameters.AddWithValue("key", p.ClientKey);
        command.Parameters.AddWithValue("at", BillingTime.Micro(p.CreatedAt));
        return await command.ExecuteNonQueryAsync() == 1;
    }

    public Task<PaymentRecord?> Get(string paymentId) => One($"SELECT {Columns} FROM payments WHERE id = @id", c => c.Parameters.AddWithValue("id", paymentId));

    public Task<PaymentRecord?> ByClientKey(Guid accountId, string clientKey) =>
        One($"SELECT {Columns} FROM payments WHERE account_id = @account AND client_key = @key", c =>
        {
            c.Parameters.AddWithValue("account", accountId);
            c.Parameters.AddWithValue("key", clientKey);
        });

    public async Task SetStatus(string paymentId, string status)
    {
        await using var command = dataSource.CreateCommand("UPDATE payments SET status = @status WHERE id = @id");
        command.Parameters.AddWithValue("id", paymentId);
        command.Parameters.AddWithValue("status", status);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<PaymentRecord?> One(string sql, Action<NpgsqlCommand> bind)
    {
        await using var command = dataSource.CreateCommand(sql);
        bind(command);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new PaymentRecord(reader.GetString(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5))
            : null;
    }
}
