using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ReplyX.Admin;

namespace ReplyX.Accounts;

/// <summary>
/// Creates the configured admin once; every silo runs it, and the unique email makes the concurrent
/// starts of several silos create exactly one. An existing user with that email is left untouched.
/// </summary>
internal sealed partial class AdminBootstrapService(
    IOptions<AdminBootstrapOptions> options, IAccountStore accounts, IAuditStore audit, TimeProvider time, ILogger<AdminBootstrapService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (string.IsNullOrWhiteSpace(settings.Email))
        {
            return;
        }
        var email = settings.Email.Trim();
        var name = string.IsNullOrWhiteSpace(settings.Name) ? AdminBootstrapOptions.DefaultName : settings.Name.Trim();
        var existing = await accounts.FindUserByEmail(email, cancellationToken);
        if (existing is not null)
        {
            if (existing.Role != UserRole.Admin)
            {
                LogNotAdmin(email);
            }
            return;
        }
        var admin = new User(Guid.NewGuid(), null, email, name,
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
