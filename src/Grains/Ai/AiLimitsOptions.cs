namespace ReplyX.Ai;

/// <summary>The <c>Ai:Limits</c> section: each key's rate window and circuit breaker (<see cref="AiTokenGrain"/>).</summary>
public sealed class AiLimitsOptions
{
    public const string Section = "Ai:Limits";

    /// <summary>The window of "requests per minute"; shortened only by tests.</summary>
    public TimeSpan RpmWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Consecutive server errors or timeouts that open a key's circuit.</summary>
    public int FailureThreshold { get; set; } = 3;

    /// <summary>How long an open circuit stays open before one trial call (half-open).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A refused key (401/403) rests this long; an admin usually has to fix it.</summary>
    public TimeSpan UnauthorizedBreak { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A lease never reported (caller died) is released after this.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromMinutes(3);
}
