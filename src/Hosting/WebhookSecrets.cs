using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>The <c>Webhooks</c> section: the key from which each bot's webhook secret is derived, the same on every node.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// At least 32 bytes. Required when <c>Telegram:PublicUrl</c> is set outside the single-process in-memory
    /// mode; there a key is made up for the process's lifetime (its bots register their webhooks again at start).
    /// </summary>
    public string? Key { get; set; }
}

public sealed class WebhookOptionsValidator(IConfiguration configuration) : IValidateOptions<WebhookOptions>
{
    public const int MinKeyBytes = 32;

    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new OptionsFailures(WebhookOptions.Section);
        if (string.IsNullOrWhiteSpace(options.Key))
        {
            if (!string.IsNullOrWhiteSpace(configuration["Telegram:PublicUrl"]) && !DeploymentShape.IsSingleProcessInMemory(configuration))
            {
                failures.Add($"{failures.Key(nameof(options.Key))} is required with Telegram:PublicUrl outside the single-process in-memory mode (at least {MinKeyBytes} bytes, the same on every node).");
            }
        }
        else if (Encoding.UTF8.GetByteCount(options.Key) < MinKeyBytes)
        {
            failures.Add($"{failures.Key(nameof(options.Key))} must be at least {MinKeyBytes} bytes long.");
        }
        return failures.ToValidation();
    }
}

/// <summary>
/// Each bot's webhook secret, derived from <c>Webhooks:Key</c> and the bot's id (HMAC-SHA256), so any node
/// checks a delivery in constant time without state: an unknown id or a wrong secret costs no activation and
/// no read of the body.
/// </summary>
public sealed class WebhookSecrets(IOptions<WebhookOptions> options)
{
    private readonly byte[] _key = options.Value.Key is { Length: > 0 } configured ? Encoding.UTF8.GetBytes(configured) : RandomNumberGenerator.GetBytes(32);

    /// <summary>The secret Telegram sends with the bot's deliveries (base64url: within setWebhook's A-Z, a-z, 0-9, _ and -).</summary>
    public string For(Guid botId) => Convert.ToBase64String(HMACSHA256.HashData(_key, botId.ToByteArray()))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public bool Matches(Guid botId, string? secret) =>
        secret is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(For(botId)));
}

public static class WebhookHosting
{
    /// <summary>The webhook secrets, for the silo and for an API node in front of it (registered once when both run in one process).</summary>
    public static IServiceCollection AddReplyXWebhookSecrets(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(WebhookSecrets)))
        {
            services.AddValidatedOptions<WebhookOptions, WebhookOptionsValidator>(WebhookOptions.Section);
            services.AddSingleton<WebhookSecrets>();
        }
        return services;
    }
}
