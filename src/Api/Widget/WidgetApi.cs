using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Api.Dialogs;
using ReplyX.Api.Validation;
using ReplyX.Assistants;
using ReplyX.Dialogs;

namespace ReplyX.Api.Widget;

public sealed record WidgetConfigResponse(string Title, string? Greeting, string? Color, string Position, string Language);

public sealed record WidgetSessionResponse(Guid DialogId, string SessionToken, DateTimeOffset ExpiresAt);

public sealed record WidgetHistoryResponse(MessageResponse[] Items, string Status);

public sealed record WidgetRatingRequest(int? Score, string? Comment);

public sealed class WidgetRatingRequestValidator : AbstractValidator<WidgetRatingRequest>
{
    public WidgetRatingRequestValidator()
    {
        RuleFor(r => r.Score).NotNull().InclusiveBetween(1, 5);
        RuleFor(r => r.Comment).MaximumLength(2000);
    }
}

/// <summary>
/// The web-site widget's channel (API.md, Channels): anonymous visitors, each with a signed session bound to
/// one dialog and the origin that opened it. Only origins the assistant allows may open sessions.
/// </summary>
public static class WidgetApi
{
    public const string Channel = "widget";
    public const string CorsPolicy = "widget";
    public const string AddressLimit = "widget-address";
    public const string SessionLimit = "widget-sessions";
    public const string MessageLimit = "widget-messages";

    public static IEndpointRouteBuilder MapWidgetApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/widget").WithTags("Widget").AllowAnonymous().RequireCors(CorsPolicy).RequireRateLimiting(AddressLimit);
        group.MapGet("/{assistantId:guid}/config", Config);
        group.MapPost("/{assistantId:guid}/sessions", Open).RequireRateLimiting(SessionLimit);
        group.MapPost("/dialogs/{dialogId:guid}/messages", Post).Validate<DialogMessageRequest>().RequireRateLimiting(MessageLimit);
        group.MapGet("/dialogs/{dialogId:guid}/messages", History);
        group.MapPost("/dialogs/{dialogId:guid}/handoff", Handoff);
        group.MapPost("/dialogs/{dialogId:guid}/rating", Rate).Validate<WidgetRatingRequest>();
        group.MapGet("/dialogs/{dialogId:guid}/events", Events).ExcludeFromDescription(); // text/event-stream
        return app;
    }

    /// <summary>The origins the assistant allows, as a browser sends them in <c>Origin</c>.</summary>
    public static IEnumerable<string> AllowedOrigins(PublicWidget? widget) => widget?.Settings.AllowedOrigins.Select(o => o.TrimEnd('/')) ?? [];

    /// <summary>Whether <paramref name="origin"/> (a browser's <c>Origin</c> header) is one the assistant allows.</summary>
    public static bool Allows(PublicWidget widget, string? origin) =>
        !string.IsNullOrEmpty(origin) && AllowedOrigins(widget).Contains(origin, StringComparer.OrdinalIgnoreCase);

    private static IResult ForeignOrigin() => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
        title: "This site may not use this assistant's widget.", detail: "Add the site's origin to the assistant's allowed origins.");

    private static async Task<IResult> Config(Guid assistantId, IGrainFactory grains, HttpContext http)
    {
        if (await grains.GetGrain<IAssistantGrain>(assistantId).Widget() is not { } widget)
        {
            return TypedResults.NotFound();
        }
        if (!Allows(widget, http.Request.Headers.Origin))
        {
            return ForeignOrigin();
        }
        var s = widget.Settings;
        return TypedResults.Ok(new WidgetConfigResponse(widget.Name, s.Greeting, s.Color, s.Position == "bottom-left" ? "left" : "right", widget.Language));
    }

    private static async Task<IResult> Open(Guid assistantId, IGrainFactory grains, WidgetSessions sessions, HttpContext http)
    {
        if (await grains.GetGrain<IAssistantGrain>(assistantId).Widget() is not { } widget)
        {
            return TypedResults.NotFound();
        }
        string origin = http.Request.Headers.Origin.ToString();
        if (!Allows(widget, origin))
        {
            return ForeignOrigin();
        }
        var dialogId = Guid.NewGuid();
        await grains.GetGrain<IDialogGrain>(dialogId).Open(new DialogStart(widget.AccountId, assistantId, Channel, null, assistantId, origin));
        var (token, expires) = sessions.Issue(new WidgetSession(dialogId, assistantId, widget.AccountId, origin));
        return TypedResults.Created((string?)null, new WidgetSessionResponse(dialogId, token, expires));
    }

    /// <summary>
    /// The visitor's session from <c>Authorization: Bearer</c> (or <paramref name="queryToken"/> for EventSource),
    /// valid for this dialog and, when the browser names an origin, for that origin: another origin's page
    /// cannot use a token it has taken.
    /// </summary>
    private static async Task<WidgetSession?> Visitor(HttpContext http, WidgetSessions sessions, Guid dialogId, string? queryToken = null)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..].Trim() : queryToken;
        var session = await sessions.Read(token, dialogId);
        var origin = http.Request.Headers.Origin.ToString();
        return session is not null && (origin.Length == 0 || string.Equals(origin, session.Origin, StringComparison.OrdinalIgnoreCase)) ? session : null;
    }

    private static IResult NoSession() => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
        title: "This chat session is not valid here.", detail: "Open a new session.");

    private static async Task<IResult> Post(Guid dialogId, DialogMessageRequest r, IGrainFactory grains, WidgetSessions sessions, HttpContext http)
    {
        if (await Visitor(http, sessions, dialogId) is null)
        {
            return NoSession();
        }
        if (DialogsApi.IdempotencyKey(http, out var key) is { } problem)
        {
            return problem;
        }
        var posted = await grains.GetGrain<IDialogGrain>(dialogId).PostUserMessage(r.Text!.Trim(), key is null ? null : "w:" + key);
        return TypedResults.Accepted((string?)null, new PostedResponse(posted.Seq, posted.Duplicate));
    }

    private static async Task<IResult> History(Guid dialogId, IGrainFactory grains, WidgetSessions sessions, HttpContext http)
    {
        if (await Visitor(http, sessions, dialogId) is not { } visitor)
        {
            return NoSession();
        }
        var transcript = await grains.GetGrain<IDialogQueryGrain>(0).Transcript(visitor.AccountId, dialogId, null, 100);
        return transcript is null
            ? NoSession()
            : TypedResults.Ok(new WidgetHistoryResponse(
                transcript.Messages.Select(DialogsApi.ToResponse).ToArray(),
                DialogsApi.Status(transcript.Dialog.Mode)));
    }

    private static async Task<IResult> Handoff(Guid dialogId, IGrainFactory grains, WidgetSessions sessions, HttpContext http)
    {
        if (await Visitor(http, sessions, dialogId) is not { } visitor)
        {
            return NoSession();
        }
        var dialog = await grains.GetGrain<IDialogGrain>(dialogId).RequestHuman(visitor.AccountId);
        return dialog is null ? NoSession() : TypedResults.Accepted((string?)null, new { status = DialogsApi.Status(dialog.Mode) });
    }

    private static async Task<IResult> Rate(Guid dialogId, WidgetRatingRequest r, IGrainFactory grains, WidgetSessions sessions, TimeProvider time, HttpContext http)
    {
        if (await Visitor(http, sessions, dialogId) is not { } visitor)
        {
            return NoSession();
        }
        var comment = string.IsNullOrWhiteSpace(r.Comment) ? null : r.Comment.Trim();
        return await grains.GetGrain<IDialogQueryGrain>(0).Rate(visitor.AccountId, dialogId, new DialogRating(r.Score!.Value, comment, time.GetUtcNow()))
            ? TypedResults.NoContent()
            : ReplyX.Api.Hosting.Conflicts.Of("The conversation can be rated once it is closed.");
    }

    /// <summary>
    /// The visitor's stream. <c>lastEventId</c> in the query means what the <c>Last-Event-ID</c> header means: a
    /// page that opens a new EventSource cannot send the header, but knows the last message it showed.
    /// </summary>
    private static async Task<IResult> Events(Guid dialogId, string? token, string? lastEventId, IGrainFactory grains, WidgetSessions sessions,
        DialogEventStream streams, HttpContext http)
    {
        if (await Visitor(http, sessions, dialogId, token) is not { } visitor)
        {
            return NoSession();
        }
        var dialog = await grains.GetGrain<IDialogQueryGrain>(0).Find(visitor.AccountId, dialogId);
        return dialog is null ? NoSession() : streams.Dialog(http, visitor.AccountId, dialog,
            http.Request.Headers["Last-Event-ID"] is { Count: > 0 } header ? header.ToString() : lastEventId, staff: false);
    }
}
