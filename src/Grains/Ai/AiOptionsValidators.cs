using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ReplyX.Hosting;

namespace ReplyX.Ai;

/// <summary>
/// <c>Ai:*</c>: the per-attempt timeout, the one-off ask's budget (it answers inside a grain call, so it must
/// end before the silo's response timeout and before Orleans' default one, which the API's cluster clients
/// keep) and every key declared under <c>Ai:Providers</c>, checked like the admin API checks a new key.
/// </summary>
public sealed class AiProviderOptionsValidator(IOptions<SiloMessagingOptions> messaging) : IValidateOptions<AiProviderOptions>
{
    private static readonly string[] ProxySchemes = ["http", "https", "socks4", "socks4a", "socks5"];

    public ValidateOptionsResult Validate(string? name, AiProviderOptions options)
    {
        var failures = new OptionsFailures(AiProviderOptions.Section)
            .Positive(nameof(options.AttemptTimeout), options.AttemptTimeout)
            .NotNegative(nameof(options.DirectoryRefresh), options.DirectoryRefresh)
            .Positive(nameof(options.MaxConnectionsPerKey), options.MaxConnectionsPerKey);
        var responseTimeout = messaging.Value.ResponseTimeout;
        if (options.AskBudget <= TimeSpan.Zero || options.AskBudget >= SiloHostingExtensions.OrleansDefaultResponseTimeout || options.AskBudget >= responseTimeout)
        {
            failures.Add($"{failures.Key(nameof(options.AskBudget))} is {options.AskBudget:c}; it must be positive and below the Orleans response timeout "
                + $"({Seconds(TimeSpan.FromTicks(Math.Min(responseTimeout.Ticks, SiloHostingExtensions.OrleansDefaultResponseTimeout.Ticks)))} s).");
        }
        foreach (var (key, provider) in options.Providers)
        {
            Provider(new OptionsFailures($"{AiProviderOptions.Section}:{nameof(options.Providers)}:{key}"), provider, failures);
        }
        return failures.ToValidation();
    }

    private static void Provider(OptionsFailures entry, ConfiguredProviderOptions provider, OptionsFailures all)
    {
        if (provider.Name is not null)
        {
            entry.NotEmpty(nameof(provider.Name), provider.Name).MaxLength(nameof(provider.Name), provider.Name, 200);
        }
        var known = AiProviderNames.TryParse(provider.Kind, ignoreCase: true, out var kind);
        if (!known)
        {
            entry.Add($"{entry.Key(nameof(provider.Kind))} is '{provider.Kind}'; expected one of {string.Join(", ", AiProviderNames.All)}.");
        }
        if (string.IsNullOrEmpty(provider.ApiKey))
        {
            entry.Add($"{entry.Key(nameof(provider.ApiKey))} is required (local servers accept any value, e.g. 'ollama').");
        }
        if (provider.BaseUrl is { Length: 0 })
        {
            entry.Add($"{entry.Key(nameof(provider.BaseUrl))} is empty; expected an absolute http or https URL.");
        }
        else if (provider.BaseUrl is not null)
        {
            entry.AbsoluteUrl(nameof(provider.BaseUrl), provider.BaseUrl);
        }
        else if (known && kind == AiProviderKind.Custom)
        {
            entry.Add($"{entry.Key(nameof(provider.BaseUrl))} is required for a custom provider.");
        }
        if (provider.Models.Count > 50)
        {
            entry.Add($"{entry.Key(nameof(provider.Models))} lists {provider.Models.Count} models; expected at most 50.");
        }
        for (var i = 0; i < provider.Models.Count; i++)
        {
            var model = $"{nameof(provider.Models)}:{i}";
            entry.NotEmpty(model, provider.Models[i]).MaxLength(model, provider.Models[i], 200);
        }
        entry.Between(nameof(provider.Priority), provider.Priority, 0, 10_000);
        if (provider.Rpm is { } rpm)
        {
            entry.Between(nameof(provider.Rpm), rpm, 1, 1_000_000);
        }
        if (provider.TokensPerDay is { } tokens)
        {
            entry.Between(nameof(provider.TokensPerDay), tokens, 1, 1_000_000_000_000);
        }
        entry.MaxLength(nameof(provider.FolderId), provider.FolderId, 200)
            .MaxLength(nameof(provider.Scope), provider.Scope, 200)
            .AbsoluteUrl(nameof(provider.AuthUrl), provider.AuthUrl)
            .AbsoluteUrl(nameof(provider.ProxyUrl), provider.ProxyUrl, ProxySchemes);
        foreach (var failure in entry.ToValidation().Failures ?? [])
        {
            all.Add(failure);
        }
    }

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}

public sealed class AiLimitsOptionsValidator : IValidateOptions<AiLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, AiLimitsOptions options) =>
        new OptionsFailures(AiLimitsOptions.Section)
            .Positive(nameof(options.RpmWindow), options.RpmWindow)
            .Positive(nameof(options.FailureThreshold), options.FailureThreshold)
            .Positive(nameof(options.BreakDuration), options.BreakDuration)
            .Positive(nameof(options.UnauthorizedBreak), options.UnauthorizedBreak)
            .Positive(nameof(options.LeaseTimeout), options.LeaseTimeout)
            .ToValidation();
}
