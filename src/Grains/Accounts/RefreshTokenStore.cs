using Npgsql;

namespace ReplyX.Accounts;

/// <summary>Refresh tokens by hash, with rotation and family revocation (<c>sql/004_refresh_tokens.sql</c>).</summary>
public interface IRefreshTokenStore
{
    Task Issue(Guid userId, Guid familyId, byte[] tokenHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);

    /// <summary>Atomically marks the token replaced and stores its successor; a replayed token revokes its family.</summary>
    Task<RefreshResult> Rotate(byte[] tokenHash, byte[] newTokenHash, DateTimeOffset newExpiresAt, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<bool> RevokeFamily(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Revokes every refresh token of the user (a password change signs out every other device).</summary>
    Task RevokeUser(Guid userId, DateTimeOffset now, CancellationToken cancellationToken = default);
}

public sealed class InMemoryRefreshTokenStore : IRefreshTokenStore
{
    private sealed record Entry(Guid UserId, Guid FamilyId, DateTimeOffset ExpiresAt, bool Replaced, bool Revoked);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _tokens = [];

    public Task Issue(Guid userId, Guid familyId, byte[] tokenHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _tokens.Add(Convert.ToHexString(tokenHash), new Entry(userId, familyId, expiresAt, false, false));
        }
        return Task.CompletedTask;
    }

    public Task<RefreshResult> Rotate(byte[] tokenHash, byte[] newTokenHash, DateTimeOffset newExpiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var key = Convert.ToHexString(tokenHash);
        lock (_gate)
        {
            if (!_tokens.TryGetValue(key, out var entry) || entry.Revoked || entry.ExpiresAt <= now)
            {
                return Task.FromResult(new RefreshResult(RefreshOutcome.Invalid, null));
            }
            if (entry.Replaced)
            {
                RevokeFamilyLocked(entry.FamilyId);
                return Task.FromResult(new RefreshResult(RefreshOutcome.Reused, entry.UserId));
            }
            _tokens[key] = entry with { Replaced = true };
            _tokens.Add(Convert.ToHexString(newTokenHash), new Entry(entry.UserId, entry.FamilyId, newExpiresAt, false, false));
            return Task.FromResult(new RefreshResult(RefreshOutcome.Rotated, entry.UserId));
        }
    }

    public Task<bool> RevokeFamily(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_tokens.TryGetValue(Convert.ToHexString(tokenHash), out var entry))
            {
                return Task.FromResult(false);
            }
            RevokeFamilyLocked(entry.FamilyId);
            return Task.FromResult(true);
        }
    }

    public Task RevokeUser(Guid userId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var (key, value) in _tokens.Where(t => t.Value.UserId == userId).ToArray())
            {
                _tokens[key] = value with { Revoked = true };
            }
        }
        return Task.CompletedTask;
    }

    private void RevokeFamilyLocked(Guid familyId)
    {
        foreach (var (key, value) in _tokens.Where(t => t.Value.FamilyId == familyId).ToArray())
        {
            _tokens[key] = value with { Revoked = true };
        }
    }
}

public sealed class PostgresRefreshTokenStore(NpgsqlDataSource dataSource) : IRefreshTokenStore
{
    public async Task Issue(Guid userId, Guid familyId, byte[] tokenHash, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (@hash, @family, @user, @expires)");
        command.Parameters.AddWithValue("hash", tokenHash);
        command.Parameters.AddWithValue("family", familyId);
        command.Parameters.AddWithValue("user", userId);
        command.Parameters.AddWithValue("expires", expiresAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<RefreshResult> Rotate(byte[] tokenHash, byte[] newTokenHash, DateTimeOffset newExpiresAt, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Row lock: two concurrent refreshes with the same token cannot both rotate it.
        await using var select = new NpgsqlCommand(
            "SELECT family_id, user_id, expires_at, replaced_at IS NOT NULL, revoked_at IS NOT NULL FROM refresh_tokens WHERE token_hash = @hash FOR UPDATE",
            connection, transaction);
        select.Parameters.AddWithValue("hash", tokenHash);
        Guid familyId, userId;
        bool replaced, revoked;
        DateTime expiresAt;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return new RefreshResult(RefreshOutcome.Invalid, null);
            }
            familyId = reader.GetGuid(0);
            userId = reader.GetGuid(1);
            expiresAt = reader.GetDateTime(2);
            replaced = reader.GetBoolean(3);
            revoked = reader.GetBoolean(4);
        }
        if (revoked || expiresAt <= now.UtcDateTime)
        {
            return new RefreshResult(RefreshOutcome.Invalid, null);
        }
        if (replaced)
        {
            await using var revoke = new NpgsqlCommand(
                "UPDATE refresh_tokens SET revoked_at = @now WHERE family_id = @family AND revoked_at IS NULL", connection, transaction);
            revoke.Parameters.AddWithValue("now", now);
            revoke.Parameters.AddWithValue("family", familyId);
            await revoke.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new RefreshResult(RefreshOutcome.Reused, userId);
        }
        await using (var rotate = new NpgsqlCommand(
            """
            UPDATE refresh_tokens SET replaced_at = @now WHERE token_hash = @hash;
            INSERT INTO refresh_tokens (token_hash, family_id, user_id, expires_at) VALUES (@newHash, @family, @user, @expires);
            """, connection, transaction))
        {
            rotate.Parameters.AddWithValue("now", now);
            rotate.Parameters.AddWithValue("hash", tokenHash);
            rotate.Parameters.AddWithValue("newHash", newTokenHash);
            rotate.Parameters.AddWithValue("family", familyId);
            rotate.Parameters.AddWithValue("user", userId);
            rotate.Parameters.AddWithValue("expires", newExpiresAt);
            await rotate.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return new RefreshResult(RefreshOutcome.Rotated, userId);
    }

    public async Task<bool> RevokeFamily(byte[] tokenHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, @now)
            WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = @hash)
            """);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("hash", tokenHash);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task RevokeUser(Guid userId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE refresh_tokens SET revoked_at = COALESCE(revoked_at, @now) WHERE user_id = @user AND revoked_at IS NULL");
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("user", userId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
