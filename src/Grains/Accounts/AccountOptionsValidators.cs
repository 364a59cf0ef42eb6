using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Accounts;

public sealed class LoginThrottleOptionsValidator : IValidateOptions<LoginThrottleOptions>
{
    public ValidateOptionsResult Validate(string? name, LoginThrottleOptions options)
    {
        var failures = new OptionsFailures(LoginThrottleOptions.Section)
            .Positive(nameof(options.FreeAttempts), options.FreeAttempts)
            .Positive(nameof(options.BaseLockout), options.BaseLockout)
            .Positive(nameof(options.FailureWindow), options.FailureWindow);
        if (options.BaseLockout > TimeSpan.Zero && options.MaxLockout < options.BaseLockout)
        {
            failures.Add($"{failures.Key(nameof(options.MaxLockout))} is {options.MaxLockout:c}; expected at least "
                + $"{failures.Key(nameof(options.BaseLockout))} ({options.BaseLockout:c}).");
        }
        return failures.ToValidation();
    }
}

/// <summary>Email and password come together; the password is never quoted back.</summary>
public sealed class AdminBootstrapOptionsValidator : IValidateOptions<AdminBootstrapOptions>
{
    /// <summary>Like a user's name and email in the sign-up form.</summary>
    private const int MaxNameLength = 200;
    private const int MaxEmailLength = 320;
    private const int MinPasswordLength = 12;

    public ValidateOptionsResult Validate(string? name, AdminBootstrapOptions options)
    {
        var failures = new OptionsFailures(AdminBootstrapOptions.Section);
        var email = failures.Key(nameof(options.Email));
        var password = failures.Key(nameof(options.Password));
        if (string.IsNullOrWhiteSpace(options.Email) != string.IsNullOrWhiteSpace(options.Password))
        {
            failures.Add($"{email} and {password} must be set together.");
        }
        else if (!string.IsNullOrWhiteSpace(options.Email))
        {
            var address = options.Email.Trim();
            if (!address.Contains('@', StringComparison.Ordinal) || address.Length > MaxEmailLength)
            {
                failures.Add($"{email} is not an email address.");
            }
            if (options.Password!.Length < MinPasswordLength)
            {
                failures.Add($"{password} must be at least {MinPasswordLength} characters long.");
            }
        }
        failures.MaxLength(nameof(options.Name), options.Name?.Trim(), MaxNameLength);
        return failures.ToValidation();
    }
}
