using System.Globalization;
using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ReplyX.Accounts;
using ReplyX.Admin;
using ReplyX.Api.Accounts;
using ReplyX.Api.Validation;

namespace ReplyX.Api.Admin;

/// <summary>A user; <see cref="Balance"/> is their account's balance in roubles (null for admins, who have no account).</summary>
public sealed record AdminUserResponse(Guid Id, string Email, string Name, string Role, bool Blocked, AccountSummary? Account, string? Balance = null);

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record UpdateUserRequest(bool? Blocked, string? Role);

public sealed record AuditEntryResponse(Guid Id, DateTimeOffset At, string Action, Guid? ActorUserId, Guid? AccountId, string? Target, string? Ip, string? UserAgent, string? Details);

public sealed class UpdateUserRequestValidator : AbstractValidator<UpdateUserRequest>
{
    public UpdateUserRequestValidator()
    {
        RuleFor(r => r).Must(r => r.Blocked is not null || r.Role is not null).WithName("body").WithMessage("Give blocked, role or both.");
        RuleFor(r => r.Role).Must(r => r is null or "owner" or "operator").WithMessage("Role must be owner or operator.");
    }
}

/// <summary>Platform administration (API.md, Administration); admins only, declared once on the group.</summary>
public static class AdminApi
{
    public const string AdminPolicy = "admin";

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(AdminPolicy);
        admin.MapGet("/users", ListUsers);
        admin.MapPatch("/users/{id:guid}", UpdateUser).Validate<UpdateUserRequest>();
        admin.MapGet("/audit", Audit);
        admin.MapAiTokensApi();
        admin.MapClusterApi();
        admin.MapAnalyticsApi();
        admin.MapGet("/bots", Bots);
        // text/event-stream: every bot's status changes, platform-wide
        admin.MapGet("/events", (ReplyX.Api.Dialogs.DialogEventStream streams, HttpContext http) => streams.Admin(http, http.Request.Headers["Last-Event-ID"]))
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Users ordered by id in keyset pages; <c>q</c> keeps those whose email, name or account name contains it.</summary>
    private static async Task<Results<Ok<Page<AdminUserResponse>>, ValidationProblem>> ListUsers(IGrainFactory grains, int? limit, string? cursor, string? q)
    {
        if (!TryIdCursor(cursor, out var after))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = ["Not a cursor returned by this endpoint."] });
        }
        if (q is { Length: > 200 } || (q is not null && q.Any(char.IsControl)))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["q"] = ["At most 200 characters, on one line."] });
        }
        var size = Math.Clamp(limit ?? 50, 1, 200);
        var users = await grains.GetGrain<IIdentityGrain>(0).ListUsers(after, size, q);
        // Each account's balance from its balance grain (the single writer, so never behind its ledger).
        var balances = await Task.WhenAll(users.Where(u => u.AccountId is not null).Select(u => u.AccountId!.Value).Distinct()
            .Select(async id => (Id: id, Snapshot: await grains.GetGrain<ReplyX.Billing.IBalanceGrain>(id).Get())));
        var byAccount = balances.ToDictionary(b => b.Id, b => ReplyX.Billing.Money.Format(b.Snapshot.Balance));
        var items = users.Select(u => new AdminUserResponse(u.Id, u.Email, u.Name, TokenService.RoleName(u.Role), u.Blocked,
            u.AccountId is { } id ? new AccountSummary(id, u.AccountName ?? "") : null,
            u.AccountId is { } account ? byAccount[account] : null)).ToArray();
        return TypedResults.Ok(new Page<AdminUserResponse>(items, items.Length == size ? items[^1].Id.ToString() : null));
    }

    private static async Task<Results<Ok<AdminUserResponse>, NotFound, ValidationProblem>> UpdateUser(
        Guid id, UpdateUserRequest request, ClaimsPrincipal principal, IGrainFactory grains, HttpContext http, SessionVersions sessions)
    {
        var identity = grains.GetGrain<IIdentityGrain>(0);
        var user = await identity.GetUser(id);
        if (user is null)
        {
            return TypedResults.NotFound();
        }
        var actor = Guid.Parse(principal.FindFirstValue(ReplyXClaims.UserId)!);
        if (request.Role is not null)
        {
            if (user.AccountId is null)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["Admins have no account role."] });
            }
            var role = request.Role == "owner" ? UserRole.Owner : UserRole.Operator;
            if (role != user.Role && await identity.SetAccountRole(id, role))
            {
                await http.Audit(AuditActions.RoleChanged, actor, user.AccountId, user.Email, $"{TokenService.RoleName(user.Role)} -> {request.Role}");
            }
        }
        if (request.Blocked is { } blocked && blocked != user.Blocked)
        {
            if (id == actor)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["blocked"] = ["Admins cannot block themselves."] });
            }
            await identity.SetBlocked(id, blocked);
            await http.Audit(blocked ? AuditActions.Blocked : AuditActions.Unblocked, actor, user.AccountId, user.Email);
        }
        sessions.Forget(id); // a revocation takes effect here at once, on other nodes within Auth:RevocationCheckInterval
        var updated = (await identity.GetUser(id))!;
        return TypedResults.Ok(new AdminUserResponse(updated.Id, updated.Email, updated.Name, TokenService.RoleName(updated.Role), updated.Blocked,
            updated.AccountId is { } accountId ? new AccountSummary(accountId, updated.AccountName ?? "") : null));
    }

    /// <summary>Keyset cursors of id-ordered lists are the last id of the previous page.</summary>
    private static bool TryIdCursor(string? cursor, out Guid? after)
    {
        after = null;
        if (cursor is null)
        {
            return true;
        }
        if (!Guid.TryParse(cursor, out var parsed))
        {
            return false;
        }
        after = parsed;
        return true;
    }

    public sealed record AdminBotResponse(Guid Id, Guid AccountId, Guid AssistantId, string Username, string Status, string? LastError,
        long UpdatesIn, long RepliesOut, long RateLimited, int QueueLength, string Silo);

    /// <summary>Every bot of the platform with its status, counters and the silo it runs on.</summary>
    private static async Task<Results<Ok<Page<AdminBotResponse>>, ValidationProblem>> Bots(IGrainFactory grains, int? limit, string? cursor)
    {
        if (!TryIdCursor(cursor, out var after))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = ["Not a cursor returned by this endpoint."] });
        }
        var size = Math.Clamp(limit ?? 100, 1, 500);
        var ids = await grains.GetGrain<ReplyX.Bots.IBotCatalogGrain>(0).ListAll(after, size);
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<ReplyX.Bots.IBotGrain>(id).Inspect()));
        var items = views.OfType<ReplyX.Bots.BotAdminView>().Select(v => new AdminBotResponse(v.Bot.Id, v.Bot.AccountId, v.Bot.AssistantId, v.Bot.Username,
            v.Bot.Status.ToString().ToLowerInvariant(), v.Bot.LastError, v.Bot.UpdatesIn, v.Bot.RepliesOut, v.Bot.RateLimited, v.Bot.QueueLength, v.Silo)).ToArray();
        return TypedResults.Ok(new Page<AdminBotResponse>(items, ids.Count == size ? ids[^1].ToString() : null));
    }

    private static async Task<Results<Ok<Page<AuditEntryResponse>>, ValidationProblem>> Audit(
        IGrainFactory grains, string? action, Guid? actorId, Guid? accountId, DateTimeOffset? from, DateTimeOffset? to, int? limit, string? cursor)
    {
        AuditCursor? before = null;
        if (cursor is not null)
        {
            var parts = cursor.Split('_');
            if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks || !Guid.TryParse(parts[1], out var lastId))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["cursor"] = ["Not a cursor returned by this endpoint."] });
            }
            before = new AuditCursor(new DateTimeOffset(ticks, TimeSpan.Zero), lastId);
        }
        if (action is { Length: > 64 })
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["action"] = ["At most 64 characters."] });
        }
        var size = Math.Clamp(limit ?? 50, 1, 500);
        var records = await grains.GetGrain<IAuditGrain>(0).Query(new AuditQuery(action, actorId, accountId, from, to, before, size));
        var items = records.Select(r => new AuditEntryResponse(r.Id, r.At, r.Action, r.ActorUserId, r.AccountId, r.Target, r.Ip, r.UserAgent, r.Details)).ToArray();
        var next = items.Length == size ? $"{items[^1].At.UtcTicks}_{items[^1].Id:N}" : null;
        return TypedResults.Ok(new Page<AuditEntryResponse>(items, next));
    }
}
