using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using ReplyX.Api.Accounts;

namespace ReplyX.Api.Widget;

/// <summary>What a widget session token says: one dialog of one assistant, opened from one origin.</summary>
public sealed record WidgetSession(Guid DialogId, Guid AssistantId, Guid AccountId, string Origin);

/// <summary>
/// Signed widget session tokens: JWTs with their own audience and a key derived from the access-token key,
/// so every node checks them and neither kind of token passes for the other. The token is the visitor's
/// only credential; it is bound to its dialog and to the origin that opened it.
/// </summary>
public sealed class WidgetSessions(IOptions<WidgetOptions> options, JwtSigningKey signingKey, TimeProvider time)
{
    private const string Issuer = "replyx";
    private const string Audience = "replyx-widget";
    private const string DialogClaim = "dialog";
    private const string AssistantClaim = "assistant";
    private const string AccountClaim = "account";
    private const string OriginClaim = "origin";

    private readonly JwtSecurityTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SymmetricSecurityKey _key = new(HMACSHA256.HashData(signingKey.Key.Key, "replyx-widget-session-v1"u8));

    public (string Token, DateTimeOffset ExpiresAt) Issue(WidgetSession session)
    {
        var now = time.GetUtcNow();
        var expires = now + options.Value.SessionLifetime;
        var token = new JwtSecurityToken(Issuer, Audience,
        [
            new Claim(DialogClaim, session.DialogId.ToString()),
            new Claim(AssistantClaim, session.AssistantId.ToString()),
            new Claim(AccountClaim, session.AccountId.ToString()),
            new Claim(OriginClaim, session.Origin),
        ], now.UtcDateTime, expires.UtcDateTime, new SigningCredentials(_key, SecurityAlgorithms.HmacSha256));
        return (_handler.WriteToken(token), expires);
    }

    /// <summary>The session when the token is valid, unexpired and for <paramref name="dialogId"/>; null otherwise.</summary>
    public async Task<WidgetSession?> Read(string? token, Guid dialogId)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ValidateIssuerSigningKey = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) => expires is { } e && e > time.GetUtcNow().UtcDateTime.AddSeconds(-30),
        });
        if (!result.IsValid
            || !Guid.TryParse(Claim(result.Claims, DialogClaim) as string, out var dialog) || dialog != dialogId
            || !Guid.TryParse(Claim(result.Claims, AssistantClaim) as string, out var assistant)
            || !Guid.TryParse(Claim(result.Claims, AccountClaim) as string, out var account)
            || Claim(result.Claims, OriginClaim) is not string origin)
        {
            return null;
        }
        return new WidgetSession(dialog, assistant, account, origin);
    }

    private static object? Claim(IDictionary<string, object> claims, string name) => claims.TryGetValue(name, out var value) ? value : null;
}
