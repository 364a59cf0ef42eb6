using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Ai;
using ReplyX.Api.Accounts;
using ReplyX.Api.Validation;
using ReplyX.Assistants;

namespace ReplyX.Api.Assistants;

public sealed record HandoffDto(string[]? Keywords, int? MaxAiTurns);

public sealed record WidgetDto(string[]? AllowedOrigins, string? Greeting, string? Color, string? Position);

public sealed record AssistantRequest(
    string? Name, string? SystemPrompt, string? Model, float? Temperature, string? Language, string[]? Providers,
    HandoffDto? Handoff, WidgetDto? Widget, string? FallbackText);

public sealed record AssistantResponse(
    Guid Id, string Name, string SystemPrompt, string Model, float? Temperature, string Language, IReadOnlyList<string> Providers,
    HandoffDto Handoff, WidgetDto Widget, string? FallbackText, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record AskRequest(string? Text);

public sealed record AskUsage(int PromptTokens, int CompletionTokens);

public sealed record AskResponse(string Text, bool Offline, IReadOnlyList<ReplyX.Api.Knowledge.SourceResponse> Sources, AskUsage Usage, string? Model);

public sealed partial class AssistantRequestValidator : AbstractValidator<AssistantRequest>
{
    public AssistantRequestValidator()
    {
        RuleFor(r => r.Name).Length(1, 200).SingleLine().When(r => r.Name is not null);
        RuleFor(r => r.SystemPrompt).MaximumLength(20_000);
        RuleFor(r => r.Model).Length(1, 200).SingleLine().When(r => r.Model is not null);
        RuleFor(r => r.Temperature).InclusiveBetween(0f, 2f);
        RuleFor(r => r.Language).Must(l => l is null or "ru" or "en").WithMessage("Language must be ru or en.");
        RuleFor(r => r.Providers).Must(p => p is null || (p.Length <= 5 && p.All(name => AiProviderNames.TryParse(name, ignoreCase: false, out _))))
            .WithMessage("At most 5 of: " + string.Join(", ", AiProviderNames.All) + ".");
        RuleFor(r => r.FallbackText).MaximumLength(2000);
        When(r => r.Handoff is not null, () =>
        {
            RuleFor(r => r.Handoff!.Keywords).Must(k => k is null || (k.Length <= 50 && k.All(x => !string.IsNullOrWhiteSpace(x) && x.Length <= 100)))
                .WithMessage("At most 50 keywords of up to 100 characters.").OverridePropertyName("handoff.keywords");
            RuleFor(r => r.Handoff!.MaxAiTurns).InclusiveBetween(0, 1000).OverridePropertyName("handoff.maxAiTurns");
        });
        When(r => r.Widget is not null, () =>
        {
            RuleFor(r => r.Widget!.AllowedOrigins).Must(o => o is null || (o.Length <= 50 && o.All(IsOrigin)))
                .WithMessage("Origins look like https://shop.example.com (scheme, host, optional port; no path).").OverridePropertyName("widget.allowedOrigins");
            RuleFor(r => r.Widget!.Greeting).MaximumLength(1000).OverridePropertyName("widget.greeting");
            RuleFor(r => r.Widget!.Color).Must(c => c is null || Color().IsMatch(c)).WithMessage("A colour like #1e88e5.").OverridePropertyName("widget.color");
            RuleFor(r => r.Widget!.Position).Must(p => p is null or "bottom-right" or "bottom-left")
                .WithMessage("bottom-right or bottom-left.").OverridePropertyName("widget.position");
        });
    }

    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.AbsolutePath == "/" && !origin.EndsWith('/') && string.IsNullOrEmpty(uri.Query);

    [GeneratedRegex("^#[0-9a-fA-F]{6}$")]
    private static partial Regex Color();
}

public sealed class AskRequestValidator : AbstractValidator<AskRequest>
{
    public AskRequestValidator() => RuleFor(r => r.Text).NotEmpty().MaximumLength(4000);
}

/// <summary>Assistants of the caller's account (API.md, Assistants and knowledge).</summary>
public static class AssistantsApi
{
    public static IEndpointRouteBuilder MapAssistantsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/assistants").WithTags("Assistants").RequireAuthorization(OperatorsApi.OwnerPolicy);
        group.MapGet("/", List);
        group.MapPost("/", Create).Validate<AssistantRequest>();
        group.MapGet("/{id:guid}", Get);
        group.MapPatch("/{id:guid}", Update).Validate<AssistantRequest>();
        group.MapDelete("/{id:guid}", Delete);
        group.MapPost("/{id:guid}/ask", Ask).Validate<AskRequest>();
        return app;
    }

    private static AssistantResponse ToResponse(Assistant a)
    {
        var s = a.Settings;
        return new AssistantResponse(a.Id, s.Name, s.SystemPrompt, s.Model, s.Temperature, s.Language,
            s.Providers.Select(AiProviderNames.ToText).ToArray(),
            new HandoffDto(s.Handoff.Keywords.ToArray(), s.Handoff.MaxAiTurns),
            new WidgetDto(s.Widget.AllowedOrigins.ToArray(), s.Widget.Greeting, s.Widget.Color, s.Widget.Position),
            s.FallbackText, a.CreatedAt, a.UpdatedAt);
    }

    private static AssistantSettings Merge(AssistantSettings s, AssistantRequest r) => new(
        r.Name?.Trim() ?? s.Name,
        r.SystemPrompt ?? s.SystemPrompt,
        r.Model?.Trim() ?? s.Model,
        r.Temperature ?? s.Temperature,
        r.Language ?? s.Language,
        r.Providers?.Select(AiProviderNames.Parse).ToArray() ?? s.Providers,
        r.Handoff is null ? s.Handoff : new HandoffRules(r.Handoff.Keywords?.Select(k => k.Trim()).ToArray() ?? s.Handoff.Keywords, r.Handoff.MaxAiTurns ?? s.Handoff.MaxAiTurns),
        r.Widget is null ? s.Widget : new WidgetSettings(r.Widget.AllowedOrigins ?? s.Widget.AllowedOrigins, r.Widget.Greeting ?? s.Widget.Greeting,
            r.Widget.Color ?? s.Widget.Color, r.Widget.Position ?? s.Widget.Position),
        r.FallbackText ?? s.FallbackText);

    private static async Task<Ok<AssistantResponse[]>> List(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IAssistantCatalogGrain>(0).List(user.AccountId())).Select(ToResponse).ToArray());

    private static async Task<Results<Created<AssistantResponse>, ValidationProblem>> Create(AssistantRequest r, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(r.Name))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = ["Required."] });
        }
        var assistant = await grains.GetGrain<IAssistantGrain>(Guid.NewGuid()).Create(user.AccountId(), Merge(AssistantDefaults.Settings, r));
        return TypedResults.Created($"/api/assistants/{assistant.Id}", ToResponse(assistant));
    }

    private static async Task<Results<Ok<AssistantResponse>, NotFound>> Get(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IAssistantGrain>(id).Get(user.AccountId()) is { } a ? TypedResults.Ok(ToResponse(a)) : TypedResults.NotFound();

    private static async Task<Results<Ok<AssistantResponse>, NotFound>> Update(Guid id, AssistantRequest r, ClaimsPrincipal user, IGrainFactory grains)
    {
        var grain = grains.GetGrain<IAssistantGrain>(id);
        if (await grain.Get(user.AccountId()) is not { } current)
        {
            return TypedResults.NotFound();
        }
        var updated = await grain.Update(user.AccountId(), Merge(current.Settings, r));
        return updated is null ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(updated));
    }

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IAssistantGrain>(id).Delete(user.AccountId()) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<IResult> Ask(Guid id, AskRequest r, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        var result = await grains.GetGrain<IAskGrain>(0).Ask(user.AccountId(), id, r.Text!);
        if (result is null)
        {
            return TypedResults.NotFound();
        }
        if (result.Unpaid)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, title: "The balance cannot pay for an AI reply.",
                detail: "Top up the balance (or raise today's spending cap) and ask again.");
        }
        if (result.UnavailableUntil is { } until)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling((until - DateTimeOffset.UtcNow).TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Every AI key is busy or failing right now.", detail: $"Try again in {seconds} s.");
        }
        return TypedResults.Ok(new AskResponse(result.Text, result.Offline, result.Sources.Select(ReplyX.Api.Knowledge.KnowledgeApi.ToResponse).ToArray(), new AskUsage(result.PromptTokens, result.CompletionTokens), result.Model));
    }
}
