using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>A configuration value that is missing or wrong; the message names every key at fault.</summary>
public sealed class ReplyXConfigurationException(IReadOnlyList<string> errors)
    : Exception(ConfigurationFailure.Prefix + string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// How a process reports a configuration it refuses: one line naming every key at fault, and exit code 2.
/// Settings read while the host is built fail with <see cref="ReplyXConfigurationException"/>; options
/// validated at start (<c>ValidateOnStart</c>) fail with <see cref="OptionsValidationException"/>, or with an
/// <see cref="AggregateException"/> of them when several options classes are wrong.
/// </summary>
public static class ConfigurationFailure
{
    public const int ExitCode = 2;
    public const string Prefix = "Invalid configuration: ";

    /// <summary>The line to print for a refused configuration; null when the exception is not one.</summary>
    public static string? Describe(Exception exception)
    {
        var errors = Errors(exception);
        return errors is null ? null : Prefix + string.Join(" ", errors);
    }

    /// <summary>Every message of a refused configuration; null when the exception is not one.</summary>
    public static IReadOnlyList<string>? Errors(Exception exception) => exception switch
    {
        ReplyXConfigurationException configuration => configuration.Errors,
        OptionsValidationException validation => [.. validation.Failures],
        AggregateException aggregate when aggregate.InnerExceptions.Count > 0
            && aggregate.InnerExceptions.All(e => Errors(e) is not null) => [.. aggregate.InnerExceptions.SelectMany(e => Errors(e)!)],
        _ => null,
    };
}
