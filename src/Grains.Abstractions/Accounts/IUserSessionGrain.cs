namespace ReplyX.Accounts;

/// <summary>
/// A user's security stamp: a version carried by every access token issued to them. Blocking, a role change,
/// removal, logout and a replayed refresh token move it on, and every token with an older version is refused
/// at once on every node (each node caches the current version for <c>Auth:RevocationCheckInterval</c>).
/// </summary>
[Alias("ReplyX.Accounts.IUserSessionGrain")]
public interface IUserSessionGrain : IGrainWithGuidKey
{
    [Alias("Version")]
    Task<long> Version();

    /// <summary>Ends every access token issued so far; returns the new version.</summary>
    [Alias("Revoke")]
    Task<long> Revoke(string reason);
}
