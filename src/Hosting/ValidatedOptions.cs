using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>
/// The one way ReplyX reads configuration: an options class per feature bound to its section and checked by
/// its validator, once the service provider exists (<see cref="AddValidatedOptions"/>) or, for the few
/// settings that shape the host itself, while it is being built (<see cref="ReadValidated"/>). Both paths use
/// the same class, the same value check and the same validator, so a key is refused the same way in both.
/// </summary>
public static class ValidatedOptions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and validates it when the host starts.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        // Before BindConfiguration: configure steps run in registration order.
        services.AddSingleton<IConfigureOptions<TOptions>>(sp => new ConfigurationValueCheck<TOptions>(sp.GetRequiredService<IConfiguration>(), section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }

    /// <summary>
    /// Runs every <c>ValidateOnStart</c> validation now, as <c>Host.StartAsync</c> would before starting anything,
    /// so a built host that will not start says so before it is wired further, with no start-up failure logged.
    /// </summary>
    public static void ValidateOnStartNow(this IServiceProvider services) => services.GetService<IStartupValidator>()?.Validate();

    /// <summary>
    /// Binds and validates <typeparamref name="TOptions"/> now, for settings needed before the service provider
    /// exists; throws <see cref="ReplyXConfigurationException"/> naming every key at fault.
    /// </summary>
    public static TOptions ReadValidated<TOptions>(this IConfiguration configuration, string section, IValidateOptions<TOptions> validator)
        where TOptions : class, new()
    {
        var values = ConfigurationValues.Check(typeof(TOptions), configuration.GetSection(section));
        if (values.Count > 0)
        {
            throw new ReplyXConfigurationException(values);
        }
        var options = configuration.GetSection(section).Get<TOptions>() ?? new TOptions();
        var result = validator.Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new ReplyXConfigurationException([.. result.Failures]);
        }
        return options;
    }
}
