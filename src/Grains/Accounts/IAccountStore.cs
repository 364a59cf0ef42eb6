namespace ReplyX.Accounts;

/// <summary>
/// Accounts and their users. Implemented on PostgreSQL (<c>accounts</c>, <c>users</c>) and in memory for
/// the embedded default; <c>AccountStoreContract</c> in the tests holds both to the same behaviour.
/// </summary>
public interface IAccountStore
{
    /// <summary>Creates the account and its owner atomically: both exist afterwards, or neither.</summary>
    Task<CreateUserResult> CreateAccountWithOwner(Account account, User owner, CancellationToken cancellationToken = default);

    /// <summary>Adds an operator to an existing account, or a platform admin (no account).</summary>
    Task<CreateUserResult> AddUser(User user, CancellationToken cancellationToken = default);

    Task<Account?> GetAccount(Guid accountId, CancellationToken cancellationToken = default);

    Task<User?> GetUser(Guid userId, CancellationToken cancellationToken = default);

    /// <summary>Finds a user by email, case-insensitively.</summary>
    Task<User?> FindUserByEmail(string email, CancellationToken cancellationToken = default);

    /// <summary>The account's users, oldest first.</summary>
    Task<IReadOnlyList<User>> ListAccountUsers(Guid accountId, CancellationToken cancellationToken = default);

    /// <summary>Removes a user of the given account; a user of another account is left alone (returns false).</summary>
    Task<bool> RemoveAccountUser(Guid accountId, Guid userId, CancellationToken cancellationToken = default);

    Task<bool> SetBlocked(Guid userId, bool blocked, CancellationToken cancellationToken = default);

    Task<bool> SetPasswordHash(Guid userId, string passwordHash, CancellationToken cancellationToken = default);

    /// <summary>Renames the account; false when it does not exist.</summary>
    Task<bool> RenameAccount(Guid accountId, string name, CancellationToken cancellationToken = default);

    /// <summary>Moves a user between owner and operator within their account; admins and account users never swap.</summary>
    Task<bool> SetAccountRole(Guid userId, UserRole role, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every user, ordered by id, starting after <paramref name="after"/> (keyset pagination); with
    /// <paramref name="search"/>, only those whose email, name or account name contains it, ignoring case.
    /// </summary>
    Task<IReadOnlyList<User>> ListUsers(Guid? after, int limit, string? search = null, CancellationToken cancellationToken = default);
}
