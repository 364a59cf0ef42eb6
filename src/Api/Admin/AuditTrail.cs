using ReplyX.Admin;

namespace ReplyX.Api.Admin;

/// <summary>Writes audit entries with the caller's address and user agent taken from the request.</summary>
public static class AuditTrail
{
    public static Task Audit(this HttpContext http, string action, Guid? actorUserId, Guid? accountId, string? target = null, string? details = null)
    {
        var grains = http.RequestServices.GetRequiredService<IGrainFactory>();
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        return grains.GetGrain<IAuditGrain>(0).Record(new AuditRecord(
            Guid.NewGuid(),
            time.GetUtcNow(),
            action,
            actorUserId,
            accountId,
            target,
            http.Connection.RemoteIpAddress?.ToString(),
            http.Request.Headers.UserAgent.ToString() is { Length: > 0 } agent ? agent : null,
            details));
    }
}
