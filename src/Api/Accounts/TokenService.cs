using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using ReplyX.Accounts;

namespace ReplyX.Api.Accounts;

public static class ReplyXClaims
{
    public const string UserId = "sub";
    public const string AccountId = "account_id";
    public const string Role = "role";
    /// <summary>The user's security stamp when the token was issued (<see cref="ReplyX.Accounts.IUserSessionGrain"/>).</summary>
    public const string SessionVersion = "sv";
}

/// <summary>Issues short-lived access JWTs and opaque refresh tokens (stored only as SHA-256 hashes).</summary>
public sealed class TokenService(IOptions<AuthOptions> options, JwtSigningKey signingKey, TimeProvider time)
{
    private const string Issuer = "replyx";
    private const string Audience = "replyx";

    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };

    public (string Token, DateTimeOffset ExpiresAt) CreateAccessToken(UserView user, long sessionVersion, TimeSpan? lifetime = null)
    {
        var now = time.GetUtcNow();
        var expires = now + (lifetime ?? options.Value.AccessTokenLifetime);
        var claims = new List<Claim>
        {
            new(ReplyXClaims.UserId, user.Id.ToString()),
            new(ReplyXClaims.Role, RoleName(user.Role)),
            new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")),
            new(ReplyXClaims.SessionVersion, sessionVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
        };
        if (user.AccountId is { } accountId)
        {
            claims.Add(new Claim(ReplyXClaims.AccountId, accountId.ToString()));
        }
        var token = new JwtSecurityToken(
            Issuer, Audience, claims, now.UtcDateTime, expires.UtcDateTime,
            new SigningCredentials(signingKey.Key, SecurityAlgorithms.HmacSha256));
        return (_handler.WriteToken(token), expires);
    }

    public static (string Token, byte[] Hash) CreateRefreshToken()
    {
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return (token, Hash(token));
    }

    public static byte[] Hash(string refreshToken) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(refreshToken));

    public static string RoleName(UserRole role) => role switch
    {
        UserRole.Owner => "owner",
        UserRole.Operator => "operator",
        UserRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = signingKey.Key,
        ValidateIssuerSigningKey = true,
        ValidateLifetime = true,
        ClockSkew = TimeSpan.FromSeconds(30),
        NameClaimType = ReplyXClaims.UserId,
        RoleClaimType = ReplyXClaims.Role,
    };
}
