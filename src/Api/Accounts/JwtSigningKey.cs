using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace ReplyX.Api.Accounts;

/// <summary>
/// The key access tokens are signed with: <c>Auth:Jwt:SigningKey</c>, or (only in the single-process
/// in-memory default, which <see cref="AuthOptionsValidator"/> enforces) one made up for this process's lifetime.
/// </summary>
public sealed class JwtSigningKey(IOptions<AuthOptions> options)
{
    public SymmetricSecurityKey Key { get; } = options.Value.Jwt.SigningKey is { } configured && !string.IsNullOrWhiteSpace(configured)
        ? new SymmetricSecurityKey(Encoding.UTF8.GetBytes(configured))
        : new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
}
