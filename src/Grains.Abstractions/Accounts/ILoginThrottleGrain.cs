using Orleans.Concurrency;

namespace ReplyX.Accounts;

/// <summary>
/// Failed sign-in attempts for one login (key: <see cref="LoginThrottleKey.For"/>), shared by every node
/// of the cluster so a lockout cannot be dodged by hitting another API node, and persisted so a restart
/// does not reset it.
/// </summary>
[Alias("ReplyX.Accounts.ILoginThrottleGrain")]
public interface ILoginThrottleGrain : IGrainWithStringKey
{
    /// <summary>Whether a sign-in may be attempted now, and if not, for how long it is locked.</summary>
    // Read-only: it never changes state, so checks of the same login may interleave.
    [ReadOnly, Alias("Check")]
    Task<LoginThrottleStatus> Check();

    /// <summary>Records a failed attempt; returns the resulting status (possibly a new lockout).</summary>
    [Alias("RecordFailure")]
    Task<LoginThrottleStatus> RecordFailure();

    /// <summary>A successful sign-in clears the failure history.</summary>
    [Alias("RecordSuccess")]
    Task RecordSuccess();
}

[GenerateSerializer, Immutable, Alias("ReplyX.Accounts.LoginThrottleStatus")]
public sealed record LoginThrottleStatus(
    [property: Id(0)] int ConsecutiveFailures,
    [property: Id(1)] DateTimeOffset? LockedUntil)
{
    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && until > now;
}

public static class LoginThrottleKey
{
    // A prefix keeps keys out of Orleans' integer/Guid key parsing (see ORLEANS-ADONET.md "Things that bite" 6).
    public static string For(string normalizedLogin) => "login:" + normalizedLogin;
}

public static class EmailAddress
{
    /// <summary>Emails are unique case-insensitively; the stored key is the trimmed, lower-cased form.</summary>
    public static string Normalize(string email) => email.Trim().ToLowerInvariant();
}
