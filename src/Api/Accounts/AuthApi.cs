using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ReplyX.Accounts;
using ReplyX.Admin;
using ReplyX.Api.Admin;
using ReplyX.Api.Validation;
using ReplyX.Api.Hosting;

namespace ReplyX.Api.Accounts;

/// <summary>Register, login, refresh, logout and /api/me (API.md, Auth and accounts).</summary>
public static class AuthApi
{
    public const string RefreshCookie = "replyx_refresh";
    public const string CsrfCookie = "replyx_csrf";
    public const string CsrfHeader = "X-CSRF-Token";
    public const string AuthRateLimit = "auth";

    private static readonly PasswordHasher<UserView> Hasher = new();

    // Verified against when the email is unknown, so a miss costs as much time as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword(null!, Guid.NewGuid().ToString());

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth").RequireRateLimiting(AuthRateLimit);
        auth.MapPost("/register", Register).AllowAnonymous().Validate<RegisterRequest>();
        auth.MapPost("/login", Login).AllowAnonymous().Validate<LoginRequest>();
        auth.MapPost("/refresh", Refresh).AllowAnonymous();
        auth.MapPost("/logout", Logout).RequireAuthorization();
        auth.MapPost("/password", ChangePassword).RequireAuthorization().Validate<ChangePasswordRequest>();

        app.MapGet("/api/me", Me).WithTags("Auth").RequireAuthorization();
        return app;
    }

    private static async Task<Results<Created<AuthResponse>, ProblemHttpResult, ValidationProblem>> Register(
        RegisterRequest request, IGrainFactory grains, TokenService tokens, HttpContext http, IOptions<AuthOptions> auth)
    {
        var settings = auth.Value;
        Guid? referrer = null;
        if (!string.IsNullOrWhiteSpace(request.ReferralCode))
        {
            // An account's referral code is its id (GET /api/balance shows it).
            referrer = Guid.TryParse(request.ReferralCode.Trim(), out var id) ? id : null;
            if (referrer is null || !await grains.GetGrain<ReplyX.Billing.IBillingQueryGrain>(0).AccountExists(referrer.Value))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["referralCode"] = ["No account has this referral code."] });
            }
        }
        var email = request.Email!.Trim();
        var account = new NewAccount(
            Guid.NewGuid(),
            string.IsNullOrWhiteSpace(request.AccountName) ? request.Name!.Trim() : request.AccountName.Trim(),
            Guid.NewGuid(),
            email,
            request.Name!.Trim(),
            Hasher.HashPassword(null!, request.Password!),
            referrer);
        var identity = grains.GetGrain<IIdentityGrain>(0);
        if (!await identity.Register(account))
        {
            return Conflicts.EmailTaken();
        }
        var user = (await identity.GetUser(account.UserId))!;
        await http.Audit(AuditActions.Registered, user.Id, user.AccountId, user.Email);
        var response = await SignIn(user, grains, tokens, http, settings, familyId: Guid.NewGuid());
        return TypedResults.Created("/api/me", response);
    }

    private static async Task<IResult> Login(
        LoginRequest request, IGrainFactory grains, TokenService tokens, HttpContext http, IOptions<AuthOptions> auth, TimeProvider time)
    {
        var settings = auth.Value;
        var throttle = grains.GetGrain<ILoginThrottleGrain>(LoginThrottleKey.For(EmailAddress.Normalize(request.Email!)));
        var status = await throttle.Check();
        if (status.IsLocked(time.GetUtcNow()))
        {
            await http.Audit(AuditActions.LoginLocked, null, null, EmailAddress.Normalize(request.Email!), "attempt during lockout");
            return TooManyAttempts(http, status.LockedUntil!.Value - time.GetUtcNow());
        }

        var identity = grains.GetGrain<IIdentityGrain>(0);
        var user = await identity.FindByEmail(request.Email!);
        var verified = Hasher.VerifyHashedPassword(user!, user?.PasswordHash ?? DummyHash, request.Password!);
        if (user is null || verified == PasswordVerificationResult.Failed)
        {
            var after = await throttle.RecordFailure();
            await http.Audit(AuditActions.LoginFailed, user?.Id, user?.AccountId, EmailAddress.Normalize(request.Email!),
                user is null ? "unknown email" : $"wrong password ({after.ConsecutiveFailures} in a row)");
            if (after.IsLocked(time.GetUtcNow()))
            {
                await http.Audit(AuditActions.LoginLocked, user?.Id, user?.AccountId, EmailAddress.Normalize(request.Email!), $"locked until {after.LockedUntil:O}");
                return TooManyAttempts(http, after.LockedUntil!.Value - time.GetUtcNow());
            }
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Email or password is incorrect.");
        }
        if (user.Blocked)
        {
            await http.Audit(AuditActions.LoginBlocked, user.Id, user.AccountId, user.Email);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This user is blocked.");
        }
        await throttle.RecordSuccess();
        await http.Audit(AuditActions.LoginSucceeded, user.Id, user.AccountId, user.Email);
        return TypedResults.Ok(await SignIn(user, grains, tokens, http, settings, familyId: Guid.NewGuid()));
    }

    private static async Task<IResult> Refresh(IGrainFactory grains, TokenService tokens, HttpContext http, IOptions<AuthOptions> auth, TimeProvider time, SessionVersions sessions)
    {
        var settings = auth.Value;
        var cookie = http.Request.Cookies[RefreshCookie];
        if (string.IsNullOrEmpty(cookie))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "No refresh token.");
        }
        if (!CsrfMatches(http))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: $"The {CsrfHeader} header must match the {CsrfCookie} cookie.");
        }
        var identity = grains.GetGrain<IIdentityGrain>(0);
        var (next, nextHash) = TokenService.CreateRefreshToken();
        var result = await identity.RotateRefreshToken(TokenService.Hash(cookie), nextHash, time.GetUtcNow() + settings.RefreshTokenLifetime);
        if (result.Outcome == RefreshOutcome.Reused)
        {
            await http.Audit(AuditActions.RefreshReused, result.UserId, null, null, "replayed refresh token; sign-in revoked");
            sessions.Forget(result.UserId!.Value);
        }
        if (result.Outcome != RefreshOutcome.Rotated)
        {
            ClearCookies(http);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
                title: result.Outcome == RefreshOutcome.Reused
                    ? "This refresh token was already used; every session of its sign-in has been revoked."
                    : "The refresh token is invalid or expired.");
        }
        var user = await identity.GetUser(result.UserId!.Value);
        if (user is null || user.Blocked)
        {
            await identity.RevokeRefreshToken(nextHash);
            ClearCookies(http);
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "The user no longer exists or is blocked.");
        }
        SetCookies(http, next, settings);
        var (access, expires) = tokens.CreateAccessToken(user, await grains.GetGrain<IUserSessionGrain>(user.Id).Version());
        return TypedResults.Ok(new RefreshResponse(access, expires));
    }

    /// <summary>Ends this sign-in and every access token of the user issued so far (other devices refresh theirs).</summary>
    private static async Task<NoContent> Logout(IGrainFactory grains, HttpContext http, ClaimsPrincipal principal, SessionVersions sessions)
    {
        Guid.TryParse(principal.FindFirstValue(ReplyXClaims.UserId), out var userId);
        Guid? accountId = Guid.TryParse(principal.FindFirstValue(ReplyXClaims.AccountId), out var a) ? a : null;
        await http.Audit(AuditActions.Logout, userId, accountId);
        if (http.Request.Cookies[RefreshCookie] is { Length: > 0 } cookie)
        {
            await grains.GetGrain<IIdentityGrain>(0).RevokeRefreshToken(TokenService.Hash(cookie));
        }
        await grains.GetGrain<IUserSessionGrain>(userId).Revoke("logout");
        sessions.Forget(userId);
        ClearCookies(http);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MeResponse>, UnauthorizedHttpResult>> Me(ClaimsPrincipal principal, IGrainFactory grains)
    {
        if (!Guid.TryParse(principal.FindFirstValue(ReplyXClaims.UserId), out var userId))
        {
            return TypedResults.Unauthorized();
        }
        var user = await grains.GetGrain<IIdentityGrain>(0).GetUser(userId);
        return user is null || user.Blocked ? TypedResults.Unauthorized() : TypedResults.Ok(ToMe(user));
    }

    /// <summary>
    /// Changes the caller's password after checking the current one (a wrong one counts as a failed sign-in, so it
    /// cannot be guessed here either), ends every session of the user and signs this one in afresh.
    /// </summary>
    private static async Task<IResult> ChangePassword(
        ChangePasswordRequest request, ClaimsPrincipal principal, IGrainFactory grains, TokenService tokens, HttpContext http,
        IOptions<AuthOptions> auth, TimeProvider time, SessionVersions sessions)
    {
        var identity = grains.GetGrain<IIdentityGrain>(0);
        var user = await identity.GetUser(OperatorsApi.UserId(principal));
        if (user is null || user.Blocked)
        {
            return TypedResults.Unauthorized();
        }
        var throttle = grains.GetGrain<ILoginThrottleGrain>(LoginThrottleKey.For(EmailAddress.Normalize(user.Email)));
        var status = await throttle.Check();
        if (status.IsLocked(time.GetUtcNow()))
        {
            return TooManyAttempts(http, status.LockedUntil!.Value - time.GetUtcNow());
        }
        if (Hasher.VerifyHashedPassword(user, user.PasswordHash, request.CurrentPassword!) == PasswordVerificationResult.Failed)
        {
            var after = await throttle.RecordFailure();
            await http.Audit(AuditActions.LoginFailed, user.Id, user.AccountId, user.Email, $"wrong current password on a password change ({after.ConsecutiveFailures} in a row)");
            if (after.IsLocked(time.GetUtcNow()))
            {
                return TooManyAttempts(http, after.LockedUntil!.Value - time.GetUtcNow());
            }
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["currentPassword"] = ["The current password is incorrect."] });
        }
        await throttle.RecordSuccess();
        if (!await identity.ChangePassword(user.Id, Hasher.HashPassword(user, request.NewPassword!)))
        {
            return TypedResults.Unauthorized();
        }
        sessions.Forget(user.Id);
        await http.Audit(AuditActions.PasswordChanged, user.Id, user.AccountId, user.Email);
        return TypedResults.Ok(await SignIn(user, grains, tokens, http, auth.Value, familyId: Guid.NewGuid()));
    }

    private static async Task<AuthResponse> SignIn(UserView user, IGrainFactory grains, TokenService tokens, HttpContext http, AuthOptions settings, Guid familyId)
    {
        var (refresh, refreshHash) = TokenService.CreateRefreshToken();
        await grains.GetGrain<IIdentityGrain>(0).IssueRefreshToken(user.Id, familyId, refreshHash, DateTimeOffset.UtcNow + settings.RefreshTokenLifetime);
        SetCookies(http, refresh, settings);
        var (access, expires) = tokens.CreateAccessToken(user, await grains.GetGrain<IUserSessionGrain>(user.Id).Version());
        return new AuthResponse(ToMe(user), access, expires);
    }

    private static MeResponse ToMe(UserView user) => new(
        user.Id, user.Email, user.Name, TokenService.RoleName(user.Role),
        user.AccountId is { } id ? new AccountSummary(id, user.AccountName ?? "") : null);

    private static IResult TooManyAttempts(HttpContext http, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many failed sign-in attempts.", detail: $"Try again in {seconds} s.");
    }

    private static bool CsrfMatches(HttpContext http)
    {
        var cookie = http.Request.Cookies[CsrfCookie];
        var header = http.Request.Headers[CsrfHeader].ToString();
        return !string.IsNullOrEmpty(cookie) && !string.IsNullOrEmpty(header)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(header));
    }

    private static void SetCookies(HttpContext http, string refreshToken, AuthOptions settings)
    {
        var secure = !http.RequestServices.GetRequiredService<IWebHostEnvironment>().IsDevelopment();
        var expires = DateTimeOffset.UtcNow + settings.RefreshTokenLifetime;
        http.Response.Cookies.Append(RefreshCookie, refreshToken, new CookieOptions
        {
            HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Strict, Path = "/api/auth", Expires = expires, IsEssential = true,
        });
        http.Response.Cookies.Append(CsrfCookie, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), new CookieOptions
        {
            HttpOnly = false, Secure = secure, SameSite = SameSiteMode.Strict, Path = "/", Expires = expires, IsEssential = true,
        });
    }

    private static void ClearCookies(HttpContext http)
    {
        http.Response.Cookies.Delete(RefreshCookie, new CookieOptions { Path = "/api/auth" });
        http.Response.Cookies.Delete(CsrfCookie, new CookieOptions { Path = "/" });
    }
}
