using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReplyX.Admin;
using ReplyX.Hosting;

namespace ReplyX.Accounts;

/// <summary>The <c>Admin</c> section: the platform's first administrator, created at start-up when missing.</summary>
public sealed class AdminBootstrapSettings
{
    public const string Section = "Admin";

    public string? Email { get; init; }
    public string? Password { get; init; }
    public string Name { get; init; } = "Administrator";

    public bool Enabled => Email is not null;

    public static AdminBootstrapSettings Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var email = section["Email"];
        var password = section["Password"];
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(email) != string.IsNullOrWhiteSpace(password))
        {
            errors.Add($"{Section}:Email and {Section}:Password must be set together.");
        }
        else if (!string.IsNullOrWhiteSpace(email))
        {
            if (!email.Contains('@') || email.Length > 320)
            {
                errors.Add($"{Section}:Email is not an email address.");
            }
            if (password!.Length < 12)
            {
                errors.Add($"{Section}:Password must be at least 12 characters long.");
            }
        }
        ConfigurationReader.ThrowIfAny(errors);
        return new AdminBootstrapSettings
        {
            Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
            Password = string.IsNullOrWhiteSpace(password) ? null : password,
            Name = string.IsNullOrWhiteSpace(section["Name"]) ? "Administrator" : section["Name"]!.Trim(),
        };
    }
}

/// <summary>
/// Creates the configured admin once; every silo runs it, and the unique email makes the concurrent
/// starts of several silos create exactly one. An existing user with that email is left untouched.
/// </summary>
internal sealed partial class AdminBootstrapService(
    AdminBootstrapSettings settings, IAccountStore accounts, IAuditStore audit, TimeProvider time, ILogger<AdminBootstrapService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!settings.Enabled)
        {
            return;
        }
        var existing = await accounts.FindUserByEmail(settings.Email!, cancellationToken);
        if (existing is not null)
        {
            if (existing.Role != UserRole.Admin)
            {
                LogNotAdmin(settings.Email!);
            }
            return;
        }
        var admin = new User(Guid.NewGuid(), null, settings.Email!, settings.Name,
            new PasswordHasher<User>().HashPassword(null!, settings.Password!), UserRole.Admin, false, time.GetUtcNow());
        if (await accounts.AddUser(admin, cancellationToken) == CreateUserResult.Created)
        {
            await audit.Append(new AuditRecord(Guid.NewGuid(), time.GetUtcNow(), AuditActions.AdminCreated, null, null,
                admin.Email, null, null, "created from configuration at start-up"), cancellationToken);
            LogCreated(admin.Email);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the platform admin {Email} from configuration")]
    private partial void LogCreated(string email);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Admin:Email {Email} belongs to a user who is not an admin; left unchanged")]
    private partial void LogNotAdmin(string email);
}
