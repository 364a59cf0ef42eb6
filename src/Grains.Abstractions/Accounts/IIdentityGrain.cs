namespace ReplyX.Accounts;

public enum UserRole
{
    Owner,
    Operator,
    Admin,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Accounts.UserView")]
public sealed record UserView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid? AccountId,
    [property: Id(2)] string? AccountName,
    [property: Id(3)] string Email,
    [property: Id(4)] string Name,
    [property: Id(5)] UserRole Role,
    [property: Id(6)] bool Blocked,
    [property: Id(7)] string PasswordHash);

[GenerateSerializer, Immutable, Alias("ReplyX.Accounts.NewAccount")]
public sealed record NewAccount(
    [property: Id(0)] Guid AccountId,
    [property: Id(1)] string AccountName,
    [property: Id(2)] Guid UserId,
    [property: Id(3)] string Email,
    [property: Id(4)] string Name,
    [property: Id(5)] string PasswordHash,
    [property: Id(6)] Guid? ReferrerAccountId = null);

public enum RefreshOutcome
{
    Rotated,
    /// <summary>Unknown, expired or revoked.</summary>
    Invalid,
    /// <summary>An already-rotated token came back: assumed stolen, its whole family is now revoked.</summary>
    Reused,
}

[GenerateSerializer, Immutable, Alias("ReplyX.Accounts.RefreshResult")]
public sealed record RefreshResult([property: Id(0)] RefreshOutcome Outcome, [property: Id(1)] Guid? UserId);

/// <summary>
/// Users, accounts and refresh tokens for the API nodes, which have no database of their own. A stateless
/// worker: every silo runs local activations; the stores hold the state. Password hashing stays on the API
/// node so CPU-heavy work never occupies a silo scheduler thread.
/// </summary>
[Alias("ReplyX.Accounts.IIdentityGrain")]
public interface IIdentityGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task<bool> Register(NewAccount account);

    [Alias("FindByEmail")]
    Task<UserView?> FindByEmail(string email);

    [Alias("GetUser")]
    Task<UserView?> GetUser(Guid userId);

    /// <summary>Adds an operator to the account; false when the email is taken.</summary>
    [Alias("AddOperator")]
    Task<bool> AddOperator(Guid accountId, Guid userId, string email, string name, string passwordHash);

    [Alias("ListAccountUsers")]
    Task<IReadOnlyList<UserView>> ListAccountUsers(Guid accountId);

    /// <summary>Removes an operator of this account; owners and other accounts' users are never touched.</summary>
    [Alias("RemoveOperator")]
    Task<bool> RemoveOperator(Guid accountId, Guid userId);

    /// <summary>
    /// Stores the user's new password hash and ends every session of the user: access tokens stop working and
    /// every refresh token is revoked (the caller signs in afresh). False for an unknown user.
    /// </summary>
    [Alias("ChangePassword")]
    Task<bool> ChangePassword(Guid userId, string passwordHash);

    /// <summary>Renames the account; false when it does not exist.</summary>
    [Alias("RenameAccount")]
    Task<bool> RenameAccount(Guid accountId, string name);

    [Alias("SetBlocked")]
    Task<bool> SetBlocked(Guid userId, bool blocked);

    /// <summary>Owner ↔ operator within the user's account; false for admins and unknown users.</summary>
    [Alias("SetAccountRole")]
    Task<bool> SetAccountRole(Guid userId, UserRole role);

    /// <summary>Every user ordered by id after <paramref name="after"/>; password hashes are not included.</summary>
    [Alias("ListUsers")]
    Task<IReadOnlyList<UserView>> ListUsers(Guid? after, int limit, string? search = null);

    /// <summary>Stores a new refresh token (by its SHA-256 hash), starting a family when <paramref name="familyId"/> is new.</summary>
    [Alias("IssueRefreshToken")]
    Task IssueRefreshToken(Guid userId, Guid familyId, byte[] tokenHash, DateTimeOffset expiresAt);

    /// <summary>Replaces a refresh token with a new one in the same family, once.</summary>
    [Alias("RotateRefreshToken")]
    Task<RefreshResult> RotateRefreshToken(byte[] tokenHash, byte[] newTokenHash, DateTimeOffset newExpiresAt);

    /// <summary>Revokes the family the token belongs to (logout); true if the token was known.</summary>
    [Alias("RevokeRefreshToken")]
    Task<bool> RevokeRefreshToken(byte[] tokenHash);
}
