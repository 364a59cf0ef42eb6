using System.Globalization;
using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>
/// Collects a validator's failures; every message starts with the full configuration key
/// (<c>Dialogs:MaxAiWait is 00:00:00; expected a positive time span.</c>). Values are quoted only for
/// settings that are not secret.
/// </summary>
public sealed class OptionsFailures(string section)
{
    private readonly List<string> _failures = [];

    public string Key(string name) => section + ":" + name;

    public bool Any => _failures.Count > 0;

    public OptionsFailures Add(string failure)
    {
        _failures.Add(failure);
        return this;
    }

    public OptionsFailures Positive(string name, TimeSpan value) =>
        value > TimeSpan.Zero ? this : Add($"{Key(name)} is {Format(value)}; expected a positive time span.");

    public OptionsFailures NotNegative(string name, TimeSpan value) =>
        value >= TimeSpan.Zero ? this : Add($"{Key(name)} is {Format(value)}; expected zero or a positive time span.");

    public OptionsFailures AtLeast(string name, TimeSpan value, TimeSpan minimum, string minimumText) =>
        value >= minimum ? this : Add($"{Key(name)} is {Format(value)}; expected at least {minimumText}.");

    public OptionsFailures Between(string name, TimeSpan value, TimeSpan exclusiveMinimum, TimeSpan inclusiveMaximum, string rangeText) =>
        value > exclusiveMinimum && value <= inclusiveMaximum ? this : Add($"{Key(name)} is {Format(value)}; expected {rangeText}.");

    public OptionsFailures Positive(string name, long value) =>
        value > 0 ? this : Add($"{Key(name)} is {value.ToString(CultureInfo.InvariantCulture)}; expected a positive number.");

    public OptionsFailures NotNegative(string name, long value) =>
        value >= 0 ? this : Add($"{Key(name)} is {value.ToString(CultureInfo.InvariantCulture)}; expected zero or a positive number.");

    public OptionsFailures Between(string name, long value, long minimum, long maximum) =>
        value >= minimum && value <= maximum ? this
            : Add($"{Key(name)} is {value.ToString(CultureInfo.InvariantCulture)}; expected {minimum.ToString(CultureInfo.InvariantCulture)} to {maximum.ToString(CultureInfo.InvariantCulture)}.");

    public OptionsFailures NotEmpty(string name, string? value) =>
        !string.IsNullOrWhiteSpace(value) ? this : Add($"{Key(name)} must not be empty.");

    public OptionsFailures MaxLength(string name, string? value, int maximum) =>
        value is null || value.Length <= maximum ? this : Add($"{Key(name)} is longer than {maximum} characters.");

    /// <summary>An absolute URL with one of <paramref name="schemes"/> (http and https when none are given); null or empty passes.</summary>
    public OptionsFailures AbsoluteUrl(string name, string? value, params string[] schemes)
    {
        if (string.IsNullOrEmpty(value))
        {
            return this;
        }
        var allowed = schemes.Length > 0 ? schemes : [Uri.UriSchemeHttp, Uri.UriSchemeHttps];
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && allowed.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase)
            ? this
            : Add($"{Key(name)} is '{value}'; expected an absolute {string.Join(" or ", allowed)} URL.");
    }

    public ValidateOptionsResult ToValidation() => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
