namespace ReplyX.Accounts;

/// <summary>The <c>Admin</c> section: the platform's first administrator, created at start-up when missing.</summary>
public sealed class AdminBootstrapOptions
{
    public const string Section = "Admin";
    public const string DefaultName = "Administrator";

    public string? Email { get; set; }
    public string? Password { get; set; }
    public string Name { get; set; } = DefaultName;
}
