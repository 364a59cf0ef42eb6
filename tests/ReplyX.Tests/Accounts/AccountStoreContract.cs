using ReplyX.Accounts;

namespace ReplyX.Tests.Accounts;

/// <summary>
/// What every <see cref="IAccountStore"/> must do. Each implementation runs these same tests, so the
/// embedded default and production cannot drift apart.
/// </summary>
public abstract class AccountStoreContract
{
    protected abstract IAccountStore Store { get; }

    private static DateTimeOffset Now() =>
        // PostgreSQL keeps microseconds; compare what both stores can hold.
        new(DateTime.UtcNow.Ticks / 10 * 10, TimeSpan.Zero);

    private static string UniqueEmail(string prefix = "owner") => $"{prefix}.{Guid.NewGuid():N}@Example.COM";

    protected static (Account Account, User Owner) NewAccount(string? email = null)
    {
        var account = new Account(Guid.NewGuid(), "Acme " + Guid.NewGuid().ToString("N")[..6], Now());
        var owner = new User(Guid.NewGuid(), account.Id, email ?? UniqueEmail(), "Олег Владелец", "hash-1", UserRole.Owner, false, Now());
        return (account, owner);
    }

    [Fact]
    public async Task Created_account_and_owner_are_found_by_email_case_insensitively()
    {
        var (account, owner) = NewAccount();

        Assert.Equal(CreateUserResult.Created, await Store.CreateAccountWithOwner(account, owner));

        var byEmail = await Store.FindUserByEmail("  " + owner.Email.ToUpperInvariant() + " ");
        Assert.NotNull(byEmail);
        Assert.Equal(owner.Id, byEmail.Id);
        Assert.Equal(account.Id, byEmail.AccountId);
        Assert.Equal(UserRole.Owner, byEmail.Role);
        Assert.Equal("Олег Владелец", byEmail.Name);
        Assert.Equal("hash-1", byEmail.PasswordHash);
        Assert.Equal(owner.CreatedAt, byEmail.CreatedAt);

        var stored = await Store.GetAccount(account.Id);
        Assert.Equal(account, stored);
        Assert.Equal(owner.Id, (await Store.GetUser(owner.Id))?.Id);
    }

    [Fact]
    public async Task Duplicate_email_in_other_case_is_rejected_and_leaves_no_half_written_account()
    {
        var (first, firstOwner) = NewAccount();
        Assert.Equal(CreateUserResult.Created, await Store.CreateAccountWithOwner(first, firstOwner));

        var (second, secondOwner) = NewAccount(firstOwner.Email.ToLowerInvariant());
        Assert.Equal(CreateUserResult.EmailTaken, await Store.CreateAccountWithOwner(second, secondOwner));

        Assert.Null(await Store.GetAccount(second.Id));
        Assert.Null(await Store.GetUser(secondOwner.Id));
        Assert.Equal(firstOwner.Id, (await Store.FindUserByEmail(firstOwner.Email))?.Id);
    }

    [Fact]
    public async Task Operators_are_listed_with_their_account_oldest_first()
    {
        var (account, owner) = NewAccount();
        await Store.CreateAccountWithOwner(account, owner);
        var op1 = new User(Guid.NewGuid(), account.Id, UniqueEmail("op1"), "Op One", "h", UserRole.Operator, false, owner.CreatedAt.AddSeconds(1));
        var op2 = new User(Guid.NewGuid(), account.Id, UniqueEmail("op2"), "Op Two", "h", UserRole.Operator, false, owner.CreatedAt.AddSeconds(2));

        Assert.Equal(CreateUserResult.Created, await Store.AddUser(op2));
        Assert.Equal(CreateUserResult.Created, await Store.AddUser(op1));
        Assert.Equal(CreateUserResult.EmailTaken, await Store.AddUser(op1 with { Id = Guid.NewGuid(), Email = op1.Email.ToUpperInvariant() }));

        var users = await Store.ListAccountUsers(account.Id);
        Assert.Equal([owner.Id, op1.Id, op2.Id], users.Select(u => u.Id));
        Assert.Empty(await Store.ListAccountUsers(Guid.NewGuid()));
    }

    [Fact]
    public async Task Adding_a_user_to_a_missing_account_fails()
    {
        var op = new User(Guid.NewGuid(), Guid.NewGuid(), UniqueEmail("op"), "Op", "h", UserRole.Operator, false, Now());
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.AddUser(op));
        Assert.Null(await Store.FindUserByEmail(op.Email));
    }

    [Fact]
    public async Task Admins_belong_to_no_account_and_others_to_exactly_one()
    {
        var admin = new User(Guid.NewGuid(), null, UniqueEmail("admin"), "Admin", "h", UserRole.Admin, false, Now());
        Assert.Equal(CreateUserResult.Created, await Store.AddUser(admin));
        Assert.Null((await Store.GetUser(admin.Id))!.AccountId);

        var (account, owner) = NewAccount();
        await Store.CreateAccountWithOwner(account, owner);
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.AddUser(admin with { Id = Guid.NewGuid(), Email = UniqueEmail("admin2"), AccountId = account.Id }));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.AddUser(owner with { Id = Guid.NewGuid(), Email = UniqueEmail("op"), Role = UserRole.Operator, AccountId = null }));
    }

    [Fact]
    public async Task Removing_a_user_is_scoped_to_the_account()
    {
        var (a, ownerA) = NewAccount();
        var (b, ownerB) = NewAccount();
        await Store.CreateAccountWithOwner(a, ownerA);
        await Store.CreateAccountWithOwner(b, ownerB);
        var opA = new User(Guid.NewGuid(), a.Id, UniqueEmail("op"), "Op", "h", UserRole.Operator, false, Now());
        await Store.AddUser(opA);

        Assert.False(await Store.RemoveAccountUser(b.Id, opA.Id));
        Assert.NotNull(await Store.GetUser(opA.Id));

        Assert.True(await Store.RemoveAccountUser(a.Id, opA.Id));
        Assert.Null(await Store.GetUser(opA.Id));
        Assert.Null(await Store.FindUserByEmail(opA.Email));
        Assert.False(await Store.RemoveAccountUser(a.Id, opA.Id));

        // The email is free again once its user is gone.
        Assert.Equal(CreateUserResult.Created, await Store.AddUser(opA with { Id = Guid.NewGuid() }));
    }

    [Fact]
    public async Task Blocking_and_password_changes_are_stored()
    {
        var (account, owner) = NewAccount();
        await Store.CreateAccountWithOwner(account, owner);

        Assert.True(await Store.SetBlocked(owner.Id, true));
        Assert.True(await Store.SetPasswordHash(owner.Id, "hash-2"));

        var user = await Store.GetUser(owner.Id);
        Assert.True(user!.Blocked);
        Assert.Equal("hash-2", user.PasswordHash);

        Assert.False(await Store.SetBlocked(Guid.NewGuid(), true));
        Assert.False(await Store.SetPasswordHash(Guid.NewGuid(), "x"));
    }

    [Fact]
    public async Task Owner_and_operator_roles_swap_within_the_account_but_admin_is_not_an_account_role()
    {
        var (account, owner) = NewAccount();
        await Store.CreateAccountWithOwner(account, owner);

        Assert.True(await Store.SetAccountRole(owner.Id, UserRole.Operator));
        Assert.Equal(UserRole.Operator, (await Store.GetUser(owner.Id))!.Role);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.SetAccountRole(owner.Id, UserRole.Admin));

        var admin = new User(Guid.NewGuid(), null, UniqueEmail("admin"), "Admin", "h", UserRole.Admin, false, Now());
        await Store.AddUser(admin);
        Assert.False(await Store.SetAccountRole(admin.Id, UserRole.Owner));
        Assert.Equal(UserRole.Admin, (await Store.GetUser(admin.Id))!.Role);
    }

    [Fact]
    public async Task Users_page_by_id_without_gaps_or_repeats()
    {
        for (var i = 0; i < 5; i++)
        {
            var (account, owner) = NewAccount();
            await Store.CreateAccountWithOwner(account, owner);
        }

        var seen = new List<Guid>();
        Guid? cursor = null;
        while (true)
        {
            var page = await Store.ListUsers(cursor, 2);
            if (page.Count == 0)
            {
                break;
            }
            Assert.True(page.Count <= 2);
            seen.AddRange(page.Select(u => u.Id));
            cursor = page[^1].Id;
        }

        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.True(seen.Count >= 5);
        var all = await Store.ListUsers(null, 10_000);
        Assert.Equal(all.Select(u => u.Id), seen);
    }

    [Fact]
    public async Task A_search_finds_users_by_email_name_or_account_name_ignoring_case_and_takes_wildcards_literally()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var shop = new Account(Guid.NewGuid(), $"Лавка {tag} Flowers", Now());
        var owner = new User(Guid.NewGuid(), shop.Id, UniqueEmail("olga"), "Ольга", "h", UserRole.Owner, false, Now());
        await Store.CreateAccountWithOwner(shop, owner);
        var staff = new User(Guid.NewGuid(), shop.Id, UniqueEmail("staff"), $"Ivan {tag}", "h", UserRole.Operator, false, Now());
        await Store.AddUser(staff);
        var (other, otherOwner) = NewAccount();
        await Store.CreateAccountWithOwner(other, otherOwner);

        Assert.Equal(new[] { owner.Id, staff.Id }.Order(), (await Store.ListUsers(null, 100, $"ЛАВКА {tag.ToUpperInvariant()}")).Select(u => u.Id).Order());
        Assert.Equal([staff.Id], (await Store.ListUsers(null, 100, $"ivan {tag}")).Select(u => u.Id));
        Assert.Equal([otherOwner.Id], (await Store.ListUsers(null, 100, otherOwner.Email.ToUpperInvariant())).Select(u => u.Id));
        Assert.Empty(await Store.ListUsers(null, 100, $"{tag}%"));
        Assert.Empty(await Store.ListUsers(null, 100, $"Лавка_{tag}"));
        var first = Assert.Single(await Store.ListUsers(null, 1, tag));
        Assert.Equal(new[] { owner.Id, staff.Id }.Except([first.Id]), (await Store.ListUsers(first.Id, 10, tag)).Select(u => u.Id));
    }

    [Fact]
    public async Task Unknown_ids_and_emails_are_not_found()
    {
        Assert.Null(await Store.GetAccount(Guid.NewGuid()));
        Assert.Null(await Store.GetUser(Guid.NewGuid()));
        Assert.Null(await Store.FindUserByEmail(UniqueEmail("nobody")));
    }
}

public sealed class InMemoryAccountStoreTests : AccountStoreContract
{
    protected override IAccountStore Store { get; } = new InMemoryAccountStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAccountStoreTests(Infrastructure.MigratedDatabase database) : AccountStoreContract, IClassFixture<Infrastructure.MigratedDatabase>
{
    protected override IAccountStore Store { get; } = new PostgresAccountStore(database.DataSource);
}
