using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using ReplyX.Hosting;

namespace ReplyX.Api.Accounts;

/// <summary>The <c>Auth</c> section: token signing and lifetimes.</summary>
public sealed class AuthSettings
{
    public const string Section = "Auth";
    public const string SigningKeyKey = "Auth:Jwt:SigningKey";

    public required SymmetricSecurityKey SigningKey { get; init; }
    public bool SigningKeyIsEphemeral { get; init; }
    public string Issuer { get; init; } = "replyx";
    public string Audience { get; init; } = "replyx";
    public TimeSpan AccessTokenLifetime { get; init; } = TimeSpan.FromMinutes(15);
    public TimeSpan RefreshTokenLifetime { get; init; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Every node of a cluster must sign with the same key, so a configured key is required whenever state
    /// outlives the process; the in-memory embedded default may make one up for its own lifetime.
    /// </summary>
    public static AuthSettings Read(IConfiguration configuration)
    {
        var errors = new List<string>();
        var raw = configuration[SigningKeyKey];
        // Only the single-process embedded default may sign with a key of its own making.
        var inMemory = string.Equals(configuration["Storage:Provider"] ?? "Memory", "Memory", StringComparison.OrdinalIgnoreCase)
            && string.Equals(configuration["Cluster:Membership"] ?? "Localhost", "Localhost", StringComparison.OrdinalIgnoreCase);
        byte[] key;
        var ephemeral = false;
        if (string.IsNullOrWhiteSpace(raw))
        {
            if (!inMemory)
            {
                errors.Add($"{SigningKeyKey} is required outside the single-process in-memory mode (at least 32 bytes, the same on every node).");
            }
            key = RandomNumberGenerator.GetBytes(32);
            ephemeral = true;
        }
        else
        {
            key = Encoding.UTF8.GetBytes(raw);
            if (key.Length < 32)
            {
                errors.Add($"{SigningKeyKey} must be at least 32 bytes long.");
            }
        }
        var section = configuration.GetSection(Section);
        var access = ParseLifetime(section, "AccessTokenLifetime", TimeSpan.FromMinutes(15), errors);
        var refresh = ParseLifetime(section, "RefreshTokenLifetime", TimeSpan.FromDays(30), errors);
        ConfigurationReader.ThrowIfAny(errors);
        return new AuthSettings
        {
            SigningKey = new SymmetricSecurityKey(key),
            SigningKeyIsEphemeral = ephemeral,
            AccessTokenLifetime = access,
            RefreshTokenLifetime = refresh,
        };
    }

    private static TimeSpan ParseLifetime(IConfigurationSection section, string name, TimeSpan fallback, List<string> errors)
    {
        var raw = section[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        if (TimeSpan.TryParse(raw, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }
        errors.Add($"{section.Path}:{name} is '{raw}'; expected a positive time span such as 00:15:00.");
        return fallback;
    }
}
