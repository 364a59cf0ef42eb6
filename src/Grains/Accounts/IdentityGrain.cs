using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace ReplyX.Accounts;

[GrainType("identity"), StatelessWorker]
public sealed class IdentityGrain(
    IAccountStore accounts, IRefreshTokenStore refreshTokens, ReplyX.Billing.IReferralStore referrals, IOptions<ReplyX.Billing.BillingOptions> billing,
    TimeProvider time) : Grain, IIdentityGrain
{
    public async Task<bool> Register(NewAccount request)
    {
        var now = time.GetUtcNow();
        var account = new Account(request.AccountId, request.AccountName, now);
        var owner = new User(request.UserId, request.AccountId, request.Email, request.Name, request.PasswordHash, UserRole.Owner, false, now);
        if (await accounts.CreateAccountWithOwner(account, owner) != CreateUserResult.Created)
        {
            return false;
        }
        if (request.ReferrerAccountId is { } referrer && referrer != request.AccountId)
        {
            // The referrer's bonus comes with this account's first successful top-up (PaymentsGrain).
            await referrals.Link(request.AccountId, referrer, now);
        }
        if (billing.Value.Enabled && billing.Value.WelcomeCreditUnits > 0)
        {
            // Once per account by its key, whoever retries.
            await GrainFactory.GetGrain<ReplyX.Billing.IBalanceGrain>(request.AccountId).Apply(
                new ReplyX.Billing.Movement("welcome", billing.Value.WelcomeCreditUnits, ReplyX.Billing.LedgerKind.Welcome, Reason: "Billing:WelcomeCredit"));
        }
        return true;
    }

    public async Task<UserView?> FindByEmail(string email) => await View(await accounts.FindUserByEmail(email));

    public async Task<UserView?> GetUser(Guid userId) => await View(await accounts.GetUser(userId));

    public async Task<bool> AddOperator(Guid accountId, Guid userId, string email, string name, string passwordHash)
    {
        var user = new User(userId, accountId, email, name, passwordHash, UserRole.Operator, false, time.GetUtcNow());
        return await accounts.AddUser(user) == CreateUserResult.Created;
    }

    public async Task<IReadOnlyList<UserView>> ListAccountUsers(Guid accountId)
    {
        var account = await accounts.GetAccount(accountId);
        var users = await accounts.ListAccountUsers(accountId);
        return users.Select(u => new UserView(u.Id, u.AccountId, account?.Name, u.Email, u.Name, u.Role, u.Blocked, "")).ToArray();
    }

    public async Task<bool> RemoveOperator(Guid accountId, Guid userId)
    {
        var user = await accounts.GetUser(userId);
        if (user is null || user.AccountId != accountId || user.Role != UserRole.Operator)
        {
            return false;
        }
        return await accounts.RemoveAccountUser(accountId, userId) && await Revoked(userId, "removed");
    }

    public async Task<bool> ChangePassword(Guid userId, string passwordHash)
    {
        if (!await accounts.SetPasswordHash(userId, passwordHash))
        {
            return false;
        }
        await refreshTokens.RevokeUser(userId, time.GetUtcNow());
        return await Revoked(userId, "password changed");
    }

    public Task<bool> RenameAccount(Guid accountId, string name) => accounts.RenameAccount(accountId, name.Trim());

    public async Task<bool> SetBlocked(Guid userId, bool blocked) =>
        await accounts.SetBlocked(userId, blocked) && (!blocked || await Revoked(userId, "blocked"));

    public async Task<bool> SetAccountRole(Guid userId, UserRole role) =>
        role is UserRole.Owner or UserRole.Operator && await accounts.SetAccountRole(userId, role) && await Revoked(userId, "role changed");

    public async Task<IReadOnlyList<UserView>> ListUsers(Guid? after, int limit, string? search = null)
    {
        var users = await accounts.ListUsers(after, Math.Clamp(limit, 1, 500), search);
        var names = new Dictionary<Guid, string?>();
        var views = new List<UserView>(users.Count);
        foreach (var u in users)
        {
            string? accountName = null;
            if (u.AccountId is { } id && !names.TryGetValue(id, out accountName))
            {
                accountName = (await accounts.GetAccount(id))?.Name;
                names[id] = accountName;
            }
            views.Add(new UserView(u.Id, u.AccountId, accountName, u.Email, u.Name, u.Role, u.Blocked, ""));
        }
        return views;
    }

    public Task IssueRefreshToken(Guid userId, Guid familyId, byte[] tokenHash, DateTimeOffset expiresAt) =>
        refreshTokens.Issue(userId, familyId, tokenHash, expiresAt);

    public async Task<RefreshResult> RotateRefreshToken(byte[] tokenHash, byte[] newTokenHash, DateTimeOffset newExpiresAt)
    {
        var result = await refreshTokens.Rotate(tokenHash, newTokenHash, newExpiresAt, time.GetUtcNow());
        if (result is { Outcome: RefreshOutcome.Reused, UserId: { } userId })
        {
            await Revoked(userId, "refresh token replayed"); // the thief's access token ends with the sign-in
        }
        return result;
    }

    public Task<bool> RevokeRefreshToken(byte[] tokenHash) => refreshTokens.RevokeFamily(tokenHash, time.GetUtcNow());

    /// <summary>Every access token of the user issued so far stops working (see <see cref="IUserSessionGrain"/>).</summary>
    private async Task<bool> Revoked(Guid userId, string reason)
    {
        await GrainFactory.GetGrain<IUserSessionGrain>(userId).Revoke(reason);
        return true;
    }

    private async Task<UserView?> View(User? user)
    {
        if (user is null)
        {
            return null;
        }
        var account = user.AccountId is { } id ? await accounts.GetAccount(id) : null;
        return new UserView(user.Id, user.AccountId, account?.Name, user.Email, user.Name, user.Role, user.Blocked, user.PasswordHash);
    }
}
