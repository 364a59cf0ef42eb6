using FluentValidation;
using ReplyX.Api.Validation;

namespace ReplyX.Api.Accounts;

public sealed record RegisterRequest(string? Email, string? Password, string? Name, string? AccountName, string? ReferralCode);

public sealed record LoginRequest(string? Email, string? Password);

public sealed record AccountSummary(Guid Id, string Name);

public sealed record MeResponse(Guid Id, string Email, string Name, string Role, AccountSummary? Account);

public sealed record AuthResponse(MeResponse User, string AccessToken, DateTimeOffset AccessTokenExpiresAt);

public sealed record RefreshResponse(string AccessToken, DateTimeOffset AccessTokenExpiresAt);

internal static class PasswordPolicy
{
    public const int MinLength = 10;
    public const int MaxLength = 128;

    // The passwords every breach list starts with; a demanding user expects these refused outright.
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "1234512345", "1q2w3e4r5t",
        "qwertyuiop", "qwerty1234", "qwerty12345", "1qaz2wsx3edc", "password1", "password12", "password123",
        "password1234", "passw0rd123", "iloveyou12", "abcdefghij", "abc1234567", "123qweasdzxc", "q1w2e3r4t5",
        "zaq12wsxcde", "letmein123", "welcome123", "admin12345", "administrator", "qwertyqwerty", "asdfghjkl1",
        "1234qwerty", "superman123", "dragon1234", "football12", "baseball12", "monkey12345", "sunshine12",
        "princess12", "starwars12", "trustno1234", "passwordpassword", "changeme123", "replyx12345",
        "йцукенгшщз", "пароль12345", "1234567890q", "9876543210", "1122334455", "5555555555", "7777777777",
    };

    public static bool IsCommon(string password) =>
        Common.Contains(password) || password.Distinct().Count() <= 2;
}

public sealed class RegisterRequestValidator : AbstractValidator<RegisterRequest>
{
    public RegisterRequestValidator()
    {
        RuleFor(r => r.Email).Email();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200).SingleLine();
        RuleFor(r => r.AccountName).MaximumLength(200).SingleLine();
        RuleFor(r => r.ReferralCode).MaximumLength(64).SingleLine();
        RuleFor(r => r.Password).NotEmpty()
            .MinimumLength(PasswordPolicy.MinLength).MaximumLength(PasswordPolicy.MaxLength)
            .Must(p => p is null || !PasswordPolicy.IsCommon(p)).WithMessage("This password is too common; choose another.")
            .Must((r, p) => p is null || r.Email is null || !p.Contains(r.Email.Split('@')[0], StringComparison.OrdinalIgnoreCase) || r.Email.Split('@')[0].Length < 4)
            .WithMessage("The password must not contain your email name.");
    }
}

public sealed class LoginRequestValidator : AbstractValidator<LoginRequest>
{
    public LoginRequestValidator()
    {
        RuleFor(r => r.Email).NotEmpty().MaximumLength(320).SingleLine();
        RuleFor(r => r.Password).NotEmpty().MaximumLength(PasswordPolicy.MaxLength);
    }
}

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

public sealed class ChangePasswordRequestValidator : AbstractValidator<ChangePasswordRequest>
{
    public ChangePasswordRequestValidator()
    {
        RuleFor(r => r.CurrentPassword).NotEmpty().MaximumLength(PasswordPolicy.MaxLength);
        RuleFor(r => r.NewPassword).NotEmpty()
            .MinimumLength(PasswordPolicy.MinLength).MaximumLength(PasswordPolicy.MaxLength)
            .Must(p => p is null || !PasswordPolicy.IsCommon(p)).WithMessage("This password is too common; choose another.")
            .NotEqual(r => r.CurrentPassword).WithMessage("The new password must differ from the current one.");
    }
}
