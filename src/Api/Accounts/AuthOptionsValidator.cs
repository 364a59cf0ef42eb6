using System.Text;
using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Api.Accounts;

/// <summary>
/// Every node of a cluster must sign with the same key, so a configured key is required whenever state
/// outlives the process; only the in-memory embedded default may make one up for its own lifetime
/// (<see cref="JwtSigningKey"/>). The key itself is never quoted.
/// </summary>
public sealed class AuthOptionsValidator(IConfiguration configuration) : IValidateOptions<AuthOptions>
{
    public const int MinSigningKeyBytes = 32;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new OptionsFailures(AuthOptions.Section);
        var key = options.Jwt.SigningKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            if (!DeploymentShape.IsSingleProcessInMemory(configuration))
            {
                failures.Add($"{AuthOptions.SigningKeyKey} is required outside the single-process in-memory mode (at least {MinSigningKeyBytes} bytes, the same on every node).");
            }
        }
        else if (Encoding.UTF8.GetByteCount(key) < MinSigningKeyBytes)
        {
            failures.Add($"{AuthOptions.SigningKeyKey} must be at least {MinSigningKeyBytes} bytes long.");
        }
        return failures
            .Positive(nameof(options.AccessTokenLifetime), options.AccessTokenLifetime)
            .Positive(nameof(options.RefreshTokenLifetime), options.RefreshTokenLifetime)
            .Between(nameof(options.RevocationCheckInterval), options.RevocationCheckInterval, TimeSpan.Zero, TimeSpan.FromMinutes(1), "more than 0 and at most 00:01:00")
            .ToValidation();
    }
}
