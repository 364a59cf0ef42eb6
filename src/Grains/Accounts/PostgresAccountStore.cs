using Dapper;
using Npgsql;

namespace ReplyX.Accounts;

/// <summary>Accounts and users in PostgreSQL (<c>sql/003_accounts.sql</c>).</summary>
public sealed class PostgresAccountStore(NpgsqlDataSource dataSource) : IAccountStore
{
    private const string UserColumns =
        "id AS Id, account_id AS AccountId, email AS Email, name AS Name, password_hash AS PasswordHash, " +
        "role AS Role, blocked AS Blocked, created_at AS CreatedAt";

    public async Task<CreateUserResult> CreateAccountWithOwner(Account account, User owner, CancellationToken cancellationToken = default)
    {
        InMemoryAccountStore.Validate(owner, requireAccount: true);
        if (owner.AccountId != account.Id || owner.Role != UserRole.Owner)
        {
            throw new ArgumentException("The owner must have the Owner role and belong to the new account.", nameof(owner));
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO accounts (id, name, created_at) VALUES (@Id, @Name, @CreatedAt)",
            new { account.Id, account.Name, account.CreatedAt }, transaction, cancellationToken: cancellationToken));
        if (!await TryInsertUser(connection, transaction, owner, cancellationToken))
        {
            await transaction.RollbackAsync(cancellationToken);
            return CreateUserResult.EmailTaken;
        }
        await transaction.CommitAsync(cancellationToken);
        return CreateUserResult.Created;
    }

    public async Task<CreateUserResult> AddUser(User user, CancellationToken cancellationToken = default)
    {
        InMemoryAccountStore.Validate(user, requireAccount: user.Role != UserRole.Admin);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            return await TryInsertUser(connection, null, user, cancellationToken) ? CreateUserResult.Created : CreateUserResult.EmailTaken;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new InvalidOperationException($"Account {user.AccountId} does not exist.", ex);
        }
    }

    public async Task<Account?> GetAccount(Guid accountId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<AccountRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, created_at AS CreatedAt FROM accounts WHERE id = @accountId",
            new { accountId }, cancellationToken: cancellationToken));
        return row is null ? null : new Account(row.Id, row.Name, row.CreatedAt);
    }

    public async Task<User?> GetUser(Guid userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE id = @userId", new { userId }, cancellationToken: cancellationToken));
        return row?.ToUser();
    }

    public async Task<User?> FindUserByEmail(string email, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE normalized_email = @normalized",
            new { normalized = EmailAddress.Normalize(email) }, cancellationToken: cancellationToken));
        return row?.ToUser();
    }

    public async Task<IReadOnlyList<User>> ListAccountUsers(Guid accountId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition(
            $"SELECT {UserColumns} FROM users WHERE account_id = @accountId ORDER BY created_at, id",
            new { accountId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToUser()).ToArray();
    }

    public async Task<bool> RemoveAccountUser(Guid accountId, Guid userId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM users WHERE id = @userId AND account_id = @accountId",
            new { userId, accountId }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> SetBlocked(Guid userId, bool blocked, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET blocked = @blocked WHERE id = @userId", new { userId, blocked }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> SetPasswordHash(Guid userId, string passwordHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET password_hash = @passwordHash WHERE id = @userId", new { userId, passwordHash }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> RenameAccount(Guid accountId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE accounts SET name = @name WHERE id = @accountId", new { accountId, name }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> SetAccountRole(Guid userId, UserRole role, CancellationToken cancellationToken = default)
    {
        InMemoryAccountStore.RequireAccountRole(role);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET role = @role WHERE id = @userId AND account_id IS NOT NULL",
            new { userId, role = RoleToText(role) }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<IReadOnlyList<User>> ListUsers(Guid? after, int limit, string? search = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        // LIKE's own wildcards in the search are matched literally.
        var pattern = string.IsNullOrWhiteSpace(search)
            ? null
            : "%" + search.Trim().Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition(
            $"""
             SELECT {UserColumns} FROM users
             WHERE (@after::uuid IS NULL OR id > @after::uuid)
               AND (@pattern::text IS NULL OR email ILIKE @pattern OR name ILIKE @pattern
                    OR account_id IN (SELECT a.id FROM accounts a WHERE a.name ILIKE @pattern))
             ORDER BY id LIMIT @limit
             """,
            new { after, limit, pattern }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToUser()).ToArray();
    }

    private static async Task<bool> TryInsertUser(NpgsqlConnection connection, NpgsqlTransaction? transaction, User user, CancellationToken cancellationToken)
    {
        // ON CONFLICT on the normalized email turns a duplicate into "0 rows" instead of an exception that
        // would abort the surrounding transaction.
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO users (id, account_id, email, normalized_email, name, password_hash, role, blocked, created_at)
            VALUES (@Id, @AccountId, @Email, @NormalizedEmail, @Name, @PasswordHash, @Role, @Blocked, @CreatedAt)
            ON CONFLICT (normalized_email) DO NOTHING
            """,
            new
            {
                user.Id,
                user.AccountId,
                Email = user.Email.Trim(),
                user.NormalizedEmail,
                user.Name,
                user.PasswordHash,
                Role = RoleToText(user.Role),
                user.Blocked,
                user.CreatedAt,
            },
            transaction, cancellationToken: cancellationToken));
        return inserted == 1;
    }

    private static string RoleToText(UserRole role) => role switch
    {
        UserRole.Owner => "owner",
        UserRole.Operator => "operator",
        UserRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    private static UserRole RoleFromText(string role) => role switch
    {
        "owner" => UserRole.Owner,
        "operator" => UserRole.Operator,
        "admin" => UserRole.Admin,
        _ => throw new InvalidDataException($"Unknown role '{role}' in users table."),
    };

    private sealed class AccountRow
    {
        public Guid Id { get; init; }
        public string Name { get; init; } = "";
        public DateTime CreatedAt { get; init; }
    }

    private sealed class UserRow
    {
        public Guid Id { get; init; }
        public Guid? AccountId { get; init; }
        public string Email { get; init; } = "";
        public string Name { get; init; } = "";
        public string PasswordHash { get; init; } = "";
        public string Role { get; init; } = "";
        public bool Blocked { get; init; }
        public DateTime CreatedAt { get; init; }

        public User ToUser() => new(Id, AccountId, Email, Name, PasswordHash, RoleFromText(Role), Blocked,
            new DateTimeOffset(DateTime.SpecifyKind(CreatedAt, DateTimeKind.Utc)));
    }
}
