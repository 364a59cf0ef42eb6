namespace ReplyX.Api.Accounts;

/// <summary>The <c>Auth</c> section: token signing and lifetimes (<c>Auth:Lockout</c> is the silo's login throttle).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";
    public const string SigningKeyKey = "Auth:Jwt:SigningKey";

    public JwtOptions Jwt { get; set; } = new();
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a node trusts its copy of a user's security stamp: the longest a revoked token still works on another node.</summary>
    public TimeSpan RevocationCheckInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}

public sealed class JwtOptions
{
    /// <summary>HMAC key of the access tokens, at least 32 bytes (UTF-8), the same on every node.</summary>
    public string? SigningKey { get; set; }
}
