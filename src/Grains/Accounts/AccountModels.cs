namespace ReplyX.Accounts;

/// <summary>A business account: the tenant that owns assistants, bots, dialogs and a balance.</summary>
public sealed record Account(Guid Id, string Name, DateTimeOffset CreatedAt);

/// <summary>
/// A person who signs in. Owners and operators belong to one account; admins run the platform and
/// belong to none.
/// </summary>
public sealed record User(
    Guid Id,
    Guid? AccountId,
    string Email,
    string Name,
    string PasswordHash,
    UserRole Role,
    bool Blocked,
    DateTimeOffset CreatedAt)
{
    public string NormalizedEmail => EmailAddress.Normalize(Email);
}

public enum CreateUserResult
{
    Created,
    EmailTaken,
}
