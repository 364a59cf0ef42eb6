namespace ReplyX.Admin;

/// <summary>One security-relevant event: who did what, when, from where.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Admin.AuditRecord")]
public sealed record AuditRecord(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Action,
    [property: Id(3)] Guid? ActorUserId,
    [property: Id(4)] Guid? AccountId,
    [property: Id(5)] string? Target,
    [property: Id(6)] string? Ip,
    [property: Id(7)] string? UserAgent,
    [property: Id(8)] string? Details);

/// <summary>Filters for the audit log; results are newest first, continuing strictly after <see cref="Before"/>.</summary>
[GenerateSerializer, Immutable, Alias("ReplyX.Admin.AuditQuery")]
public sealed record AuditQuery(
    [property: Id(0)] string? Action = null,
    [property: Id(1)] Guid? ActorUserId = null,
    [property: Id(2)] Guid? AccountId = null,
    [property: Id(3)] DateTimeOffset? From = null,
    [property: Id(4)] DateTimeOffset? To = null,
    [property: Id(5)] AuditCursor? Before = null,
    [property: Id(6)] int Limit = 50);

[GenerateSerializer, Immutable, Alias("ReplyX.Admin.AuditCursor")]
public sealed record AuditCursor([property: Id(0)] DateTimeOffset At, [property: Id(1)] Guid Id);

/// <summary>Well-known audit actions.</summary>
public static class AuditActions
{
    public const string Registered = "user.registered";
    public const string LoginSucceeded = "login.succeeded";
    public const string LoginFailed = "login.failed";
    public const string LoginLocked = "login.locked";
    public const string LoginBlocked = "login.blocked_user";
    public const string Logout = "logout";
    public const string RefreshReused = "refresh.reused";
    public const string OperatorInvited = "operator.invited";
    public const string OperatorRemoved = "operator.removed";
    public const string RoleChanged = "user.role_changed";
    public const string Blocked = "user.blocked";
    public const string Unblocked = "user.unblocked";
    public const string AdminCreated = "admin.created";
    public const string AiTokenAdded = "ai_token.added";
    public const string AiTokenChanged = "ai_token.changed";
    public const string AiTokenRemoved = "ai_token.removed";
    public const string BotTokenRotated = "bot.token_rotated";
    public const string PasswordChanged = "user.password_changed";
    public const string AccountRenamed = "account.renamed";
}

[Alias("ReplyX.Admin.IAuditGrain")]
public interface IAuditGrain : IGrainWithIntegerKey
{
    [Alias("Record")]
    Task Record(AuditRecord record);

    [Alias("Query")]
    Task<IReadOnlyList<AuditRecord>> Query(AuditQuery query);
}
