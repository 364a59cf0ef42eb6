using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Admin;
using ReplyX.Ai;
using ReplyX.Api.Accounts;
using ReplyX.Api.Validation;

namespace ReplyX.Api.Admin;

public sealed record AiTokenRequest(
    string? Provider, string? ApiKey, string? BaseUrl, string[]? Models, int? Priority, long? DailyLimit, int? Rpm,
    bool? Enabled, string? FolderId, string? Scope, string? ProxyUrl, string? AuthUrl);

public sealed record AiTokenResponse(
    Guid Id, string Provider, string? BaseUrl, IReadOnlyList<string> Models, int Priority, long? DailyLimit, int? Rpm, bool Enabled,
    string? FolderId, string? Scope, string? ProxyUrl, string KeyHint, AiTokenHealth Status);

public sealed record AiTokenHealth(string Circuit, int RequestsInWindow, long TokensToday, int InFlight, DateTimeOffset? OpenUntil,
    long TotalRequests, long TotalFailures, string? LastError);

public sealed class AiTokenRequestValidator : AbstractValidator<AiTokenRequest>
{
    public AiTokenRequestValidator()
    {
        RuleFor(r => r.Provider).Must(p => p is null || AiProviderNames.TryParse(p, ignoreCase: false, out _))
            .WithMessage("Provider must be one of " + string.Join(", ", AiProviderNames.All) + ".");
        RuleFor(r => r.ApiKey).Length(1, 4096).SingleLine().When(r => r.ApiKey is not null);
        RuleFor(r => r.BaseUrl).Must(BeHttpUrl).WithMessage("Must be an absolute http(s) URL.");
        RuleFor(r => r.ProxyUrl).Must(BeHttpUrl).WithMessage("Must be an absolute http(s) URL.");
        RuleFor(r => r.AuthUrl).Must(BeHttpUrl).WithMessage("Must be an absolute http(s) URL.");
        RuleFor(r => r.Models).Must(m => m is null || (m.Length <= 50 && m.All(x => !string.IsNullOrWhiteSpace(x) && x.Length <= 200)))
            .WithMessage("At most 50 non-empty model names of up to 200 characters.");
        RuleFor(r => r.Priority).InclusiveBetween(0, 10_000);
        RuleFor(r => r.Rpm).InclusiveBetween(1, 1_000_000);
        RuleFor(r => r.DailyLimit).InclusiveBetween(1L, 1_000_000_000_000L);
        RuleFor(r => r.FolderId).MaximumLength(200).SingleLine();
        RuleFor(r => r.Scope).MaximumLength(200).SingleLine();
        RuleFor(r => r.Models).SingleLineItems();
    }

    private static bool BeHttpUrl(string? url) =>
        url is null || (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps));
}

/// <summary>Admins manage the pool of provider keys (API.md: /api/admin/ai-tokens). Keys are write-only.</summary>
public static class AiTokensApi
{
    public static RouteGroupBuilder MapAiTokensApi(this RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/ai-tokens");
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapPost("/", Add).Validate<AiTokenRequest>();
        group.MapPatch("/{id:guid}", Change).Validate<AiTokenRequest>();
        group.MapDelete("/{id:guid}", Remove);
        admin.MapGet("/ai-usage", Usage);
        return admin;
    }

    private static AiTokenResponse ToResponse(AiTokenView v)
    {
        var s = v.Settings;
        var h = v.Status;
        return new AiTokenResponse(s.Id, AiProviderNames.ToText(s.Provider), s.BaseUrl, s.Models, s.Priority, s.TokensPerDay, s.RequestsPerMinute, s.Enabled,
            s.FolderId, s.Scope, s.ProxyUrl, v.KeyHint,
            new AiTokenHealth(h.Circuit.ToString().ToLowerInvariant(), h.RequestsInWindow, h.TokensToday, h.InFlight, h.OpenUntil, h.TotalRequests, h.TotalFailures, h.LastError));
    }

    private static async Task<Ok<AiTokenResponse[]>> List(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IAiAdminGrain>(0).List()).Select(ToResponse).ToArray());

    private static async Task<Results<Ok<AiTokenResponse>, NotFound>> Get(Guid id, IGrainFactory grains) =>
        await grains.GetGrain<IAiAdminGrain>(0).Get(id) is { } view ? TypedResults.Ok(ToResponse(view)) : TypedResults.NotFound();

    private static async Task<Results<Created<AiTokenResponse>, ValidationProblem>> Add(AiTokenRequest r, IGrainFactory grains, ClaimsPrincipal user, HttpContext http)
    {
        var errors = new Dictionary<string, string[]>();
        if (r.Provider is null)
        {
            errors["provider"] = ["Required."];
        }
        if (string.IsNullOrEmpty(r.ApiKey))
        {
            errors["apiKey"] = ["Required."];
        }
        if (r.Provider == "custom" && r.BaseUrl is null)
        {
            errors["baseUrl"] = ["A custom (OpenAI-compatible) provider needs its base URL."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var settings = new AiTokenSettings(Guid.NewGuid(), AiProviderNames.Parse(r.Provider!), r.BaseUrl, r.Models ?? [], r.Priority ?? 100, r.Rpm, r.DailyLimit,
            r.Enabled ?? true, r.FolderId, r.Scope, r.ProxyUrl, r.AuthUrl);
        var admin = grains.GetGrain<IAiAdminGrain>(0);
        await admin.Save(settings, r.ApiKey);
        await http.Audit(AuditActions.AiTokenAdded, user.UserId(), null, settings.Id.ToString(), $"{r.Provider} priority {settings.Priority}");
        return TypedResults.Created($"/api/admin/ai-tokens/{settings.Id}", ToResponse((await admin.Get(settings.Id))!));
    }

    private static async Task<Results<Ok<AiTokenResponse>, NotFound, ValidationProblem>> Change(
        Guid id, AiTokenRequest r, IGrainFactory grains, ClaimsPrincipal user, HttpContext http)
    {
        var admin = grains.GetGrain<IAiAdminGrain>(0);
        if (await admin.Get(id) is not { } current)
        {
            return TypedResults.NotFound();
        }
        var s = current.Settings;
        var provider = r.Provider is null ? s.Provider : AiProviderNames.Parse(r.Provider);
        var baseUrl = r.BaseUrl ?? s.BaseUrl;
        if (provider == AiProviderKind.Custom && baseUrl is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["baseUrl"] = ["A custom (OpenAI-compatible) provider needs its base URL."] });
        }
        var changed = s with
        {
            Provider = provider,
            BaseUrl = baseUrl,
            Models = r.Models ?? s.Models,
            Priority = r.Priority ?? s.Priority,
            RequestsPerMinute = r.Rpm ?? s.RequestsPerMinute,
            TokensPerDay = r.DailyLimit ?? s.TokensPerDay,
            Enabled = r.Enabled ?? s.Enabled,
            FolderId = r.FolderId ?? s.FolderId,
            Scope = r.Scope ?? s.Scope,
            ProxyUrl = r.ProxyUrl ?? s.ProxyUrl,
            AuthUrl = r.AuthUrl ?? s.AuthUrl,
        };
        await admin.Save(changed, r.ApiKey);
        await http.Audit(AuditActions.AiTokenChanged, user.UserId(), null, id.ToString(), r.ApiKey is null ? "settings changed" : "key rotated");
        return TypedResults.Ok(ToResponse((await admin.Get(id))!));
    }

    /// <summary>Daily AI usage per account (<c>by=account</c>, default) or per key (<c>by=key</c>), newest days last.</summary>
    private static async Task<Results<Ok<AiUsageDay[]>, ValidationProblem>> Usage(IGrainFactory grains, string? by, Guid? id, DateOnly? from, DateOnly? to)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var start = from ?? today.AddDays(-30);
        var end = to ?? today;
        if (by is not (null or "account" or "key"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["by"] = ["account or key."] });
        }
        if (end < start || end.DayNumber - start.DayNumber > 366)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["Must not precede from, and the range is at most 366 days."] });
        }
        return TypedResults.Ok((await grains.GetGrain<IAiAdminGrain>(0).Usage(by == "key", id, start, end)).ToArray());
    }

    private static async Task<Results<NoContent, NotFound>> Remove(Guid id, IGrainFactory grains, ClaimsPrincipal user, HttpContext http)
    {
        if (!await grains.GetGrain<IAiAdminGrain>(0).Remove(id))
        {
            return TypedResults.NotFound();
        }
        await http.Audit(AuditActions.AiTokenRemoved, user.UserId(), null, id.ToString());
        return TypedResults.NoContent();
    }
}
