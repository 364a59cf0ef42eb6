namespace ReplyX.Accounts;

/// <summary>The <c>Auth:Lockout</c> section: the per-login throttle of <see cref="LoginThrottleGrain"/>.</summary>
public sealed class LoginThrottleOptions
{
    public const string Section = "Auth:Lockout";

    /// <summary>Consecutive failures allowed before the first lockout.</summary>
    public int FreeAttempts { get; set; } = 5;

    /// <summary>The first lockout; each further failure doubles it up to <see cref="MaxLockout"/>.</summary>
    public TimeSpan BaseLockout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Failures older than this are forgotten.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromHours(1);
}
