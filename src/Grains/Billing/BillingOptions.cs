using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Billing;

public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>Off: nothing is charged or refused for money (a business hosting ReplyX for itself).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>What a new account starts with, in roubles ("0.5"); the embedded default sets a little so a newcomer can try the assistant.</summary>
    public string WelcomeCredit { get; set; } = "0";

    /// <summary>Movements one account's grain writes in one transaction at most.</summary>
    public int MaxBatch { get; set; } = 500;

    public long WelcomeCreditUnits => Money.TryParse(WelcomeCredit, out var units) ? units : 0;

    /// <summary>What a referrer gets, once, when an account registered with its code first tops up (roubles; 0: none).</summary>
    public string ReferralBonus { get; set; } = "0";

    public long ReferralBonusUnits => Money.TryParse(ReferralBonus, out var units) ? units : 0;
}

public sealed class BillingOptionsValidator : IValidateOptions<BillingOptions>
{
    public ValidateOptionsResult Validate(string? name, BillingOptions o)
    {
        var failures = new OptionsFailures(BillingOptions.Section).Between(nameof(o.MaxBatch), o.MaxBatch, 1, 10_000);
        if (!Money.TryParse(o.WelcomeCredit, out var welcome) || welcome < 0)
        {
            failures.Add($"{failures.Key(nameof(o.WelcomeCredit))} must be a non-negative amount in roubles with at most {Money.Decimals} decimals (got '{o.WelcomeCredit}').");
        }
        if (!Money.TryParse(o.ReferralBonus, out var bonus) || bonus < 0)
        {
            failures.Add($"{failures.Key(nameof(o.ReferralBonus))} must be a non-negative amount in roubles with at most {Money.Decimals} decimals (got '{o.ReferralBonus}').");
        }
        return failures.ToValidation();
    }
}
