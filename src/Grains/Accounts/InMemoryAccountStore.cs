namespace ReplyX.Accounts;

/// <summary>The embedded default's account store: one lock, copies out, nothing survives the process.</summary>
public sealed class InMemoryAccountStore : IAccountStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Account> _accounts = [];
    private readonly Dictionary<Guid, User> _users = [];
    private readonly Dictionary<string, Guid> _byEmail = new(StringComparer.Ordinal);

    /// <summary>A consistent look at every account and user, under the store's lock (the in-memory analytics read it).</summary>
    internal T Read<T>(Func<IReadOnlyCollection<Account>, IReadOnlyCollection<User>, T> read)
    {
        lock (_gate)
        {
            return read(_accounts.Values, _users.Values);
        }
    }

    public Task<CreateUserResult> CreateAccountWithOwner(Account account, User owner, CancellationToken cancellationToken = default)
    {
        Validate(owner, requireAccount: true);
        if (owner.AccountId != account.Id || owner.Role != UserRole.Owner)
        {
            throw new ArgumentException("The owner must have the Owner role and belong to the new account.", nameof(owner));
        }
        lock (_gate)
        {
            if (_accounts.ContainsKey(account.Id))
            {
                throw new InvalidOperationException($"Account {account.Id} already exists.");
            }
            if (_byEmail.ContainsKey(owner.NormalizedEmail))
            {
                return Task.FromResult(CreateUserResult.EmailTaken);
            }
            _accounts.Add(account.Id, account);
            Insert(owner);
        }
        return Task.FromResult(CreateUserResult.Created);
    }

    public Task<CreateUserResult> AddUser(User user, CancellationToken cancellationToken = default)
    {
        Validate(user, requireAccount: user.Role != UserRole.Admin);
        lock (_gate)
        {
            if (user.AccountId is { } accountId && !_accounts.ContainsKey(accountId))
            {
                throw new InvalidOperationException($"Account {accountId} does not exist.");
            }
            if (_byEmail.ContainsKey(user.NormalizedEmail))
            {
                return Task.FromResult(CreateUserResult.EmailTaken);
            }
            Insert(user);
        }
        return Task.FromResult(CreateUserResult.Created);
    }

    public Task<Account?> GetAccount(Guid accountId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_accounts.GetValueOrDefault(accountId));
        }
    }

    public Task<User?> GetUser(Guid userId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_users.GetValueOrDefault(userId));
        }
    }

    public Task<User?> FindUserByEmail(string email, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_byEmail.TryGetValue(EmailAddress.Normalize(email), out var id) ? _users[id] : null);
        }
    }

    public Task<IReadOnlyList<User>> ListAccountUsers(Guid accountId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<User> users = _users.Values
                .Where(u => u.AccountId == accountId)
                .OrderBy(u => u.CreatedAt).ThenBy(u => u.Id)
                .ToArray();
            return Task.FromResult(users);
        }
    }

    public Task<bool> RemoveAccountUser(Guid accountId, Guid userId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var user) || user.AccountId != accountId)
            {
                return Task.FromResult(false);
            }
            _users.Remove(userId);
            _byEmail.Remove(user.NormalizedEmail);
            return Task.FromResult(true);
        }
    }

    public Task<bool> SetBlocked(Guid userId, bool blocked, CancellationToken cancellationToken = default)
        => Update(userId, u => u with { Blocked = blocked });

    public Task<bool> SetPasswordHash(Guid userId, string passwordHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordHash);
        return Update(userId, u => u with { PasswordHash = passwordHash });
    }

    public Task<bool> RenameAccount(Guid accountId, string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        lock (_gate)
        {
            if (!_accounts.TryGetValue(accountId, out var account))
            {
                return Task.FromResult(false);
            }
            _accounts[accountId] = account with { Name = name };
            return Task.FromResult(true);
        }
    }

    public Task<bool> SetAccountRole(Guid userId, UserRole role, CancellationToken cancellationToken = default)
    {
        RequireAccountRole(role);
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var user) || user.AccountId is null)
            {
                return Task.FromResult(false);
            }
            _users[userId] = user with { Role = role };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<User>> ListUsers(Guid? after, int limit, string? search = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        search = string.IsNullOrWhiteSpace(search) ? null : search.Trim();
        bool Matches(User u) => search is null
            || u.Email.Contains(search, StringComparison.OrdinalIgnoreCase)
            || u.Name.Contains(search, StringComparison.OrdinalIgnoreCase)
            || (u.AccountId is { } id && _accounts.TryGetValue(id, out var account) && account.Name.Contains(search, StringComparison.OrdinalIgnoreCase));
        lock (_gate)
        {
            IReadOnlyList<User> page = _users.Values
                .Where(u => (after is null || GuidOrder.Compare(u.Id, after.Value) > 0) && Matches(u))
                .OrderBy(u => u.Id, GuidOrder.Instance)
                .Take(limit)
                .ToArray();
            return Task.FromResult(page);
        }
    }

    internal static void RequireAccountRole(UserRole role)
    {
        if (role is not (UserRole.Owner or UserRole.Operator))
        {
            throw new ArgumentException("Only owner and operator are account roles.", nameof(role));
        }
    }

    private Task<bool> Update(Guid userId, Func<User, User> change)
    {
        lock (_gate)
        {
            if (!_users.TryGetValue(userId, out var user))
            {
                return Task.FromResult(false);
            }
            _users[userId] = change(user);
            return Task.FromResult(true);
        }
    }

    private void Insert(User user)
    {
        if (_users.ContainsKey(user.Id))
        {
            throw new InvalidOperationException($"User {user.Id} already exists.");
        }
        _users.Add(user.Id, user);
        _byEmail.Add(user.NormalizedEmail, user.Id);
    }

    internal static void Validate(User user, bool requireAccount)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(user.Email);
        ArgumentException.ThrowIfNullOrWhiteSpace(user.PasswordHash);
        if (requireAccount != user.AccountId.HasValue)
        {
            throw new ArgumentException("Admins belong to no account; owners and operators to exactly one.", nameof(user));
        }
    }
}

/// <summary>PostgreSQL's uuid order (bytewise, big-endian), so both stores page identically.</summary>
internal sealed class GuidOrder : IComparer<Guid>
{
    public static GuidOrder Instance { get; } = new();

    public static int Compare(Guid a, Guid b) => a.ToString("N").CompareTo(b.ToString("N"));

    int IComparer<Guid>.Compare(Guid x, Guid y) => Compare(x, y);
}
