using System.Buffers.Text;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using ReplyX.Api.Accounts;
using ReplyX.Api.Validation;
using ReplyX.Desk;
using ReplyX.Dialogs;

namespace ReplyX.Api.Dialogs;

/// <summary>A message; an assistant's answer carries the documents it came from (<see cref="Sources"/>) and whether no model wrote it (<see cref="Offline"/>).</summary>
public sealed record MessageResponse(long Seq, DateTimeOffset At, string Author, string Text, Guid? OperatorId,
    IReadOnlyList<ReplyX.Api.Knowledge.SourceResponse>? Sources = null, bool Offline = false);

public sealed record RatingResponse(int Score, string? Comment, DateTimeOffset At);

public sealed record DialogResponse(Guid Id, Guid AccountId, Guid AssistantId, string Channel, string Status, Guid? OperatorId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, MessageResponse? LastMessage, RatingResponse? Rating, string? Origin);

public sealed record DialogListResponse(DialogResponse[] Items, string? NextCursor);

public sealed record NoteResponse(Guid Id, Guid AuthorId, string Text, DateTimeOffset At);

public sealed record TranscriptResponse(DialogResponse Dialog, MessageResponse[] Messages, string? NextCursor, NoteResponse[] Notes);

public sealed record DialogMessageRequest(string? Text);

public sealed record QueuedResponse(Guid DialogId, DateTimeOffset WaitingSince, Guid? OfferedTo, DateTimeOffset? OfferedAt);

public sealed record PresenceResponse(Guid OperatorId, int Dialogs, int Limit, DateTimeOffset OnlineSince);

/// <summary>The desk: dialogs waiting for a person (oldest first, with their current offer) and who is online, least busy first.</summary>
public sealed record DeskResponse(QueuedResponse[] Queue, PresenceResponse[] Online);

public sealed record PostedResponse(long Seq, bool Duplicate);

public sealed class DialogMessageRequestValidator : AbstractValidator<DialogMessageRequest>
{
    public const int MaxLength = 4000; // Telegram's limit for one message is 4,096 characters

    public DialogMessageRequestValidator() => RuleFor(r => r.Text).NotEmpty().MaximumLength(MaxLength)
        .Must(t => !string.IsNullOrWhiteSpace(t)).WithMessage("The message is empty.");
}

/// <summary>The list's query string, read by hand so that every bad value is a field error, not a binding failure.</summary>
public sealed record DialogListParameters(string? Status, string? AssistantId, string? Channel, string? OperatorId, string? Unanswered,
    string? Q, string? Limit, string? Cursor);

/// <summary>Dialogs for owners and operators (API.md, Dialogs and operators); the account always comes from the token.</summary>
public static class DialogsApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IEndpointRouteBuilder MapDialogsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/dialogs").WithTags("Dialogs").RequireAuthorization(OperatorsApi.StaffPolicy);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapPost("/{id:guid}/takeover", Takeover);
        group.MapPost("/{id:guid}/release", Release);
        group.MapPost("/{id:guid}/close", Close);
        group.MapPost("/{id:guid}/messages", Post).Validate<DialogMessageRequest>();
        group.MapPost("/{id:guid}/notes", AddNote).Validate<DialogMessageRequest>();
        group.MapGet("/{id:guid}/events", Events).ExcludeFromDescription(); // text/event-stream, see API.md
        app.MapGet("/api/desk", Desk).WithTags("Dialogs").RequireAuthorization(OperatorsApi.StaffPolicy);
        app.MapGet("/api/events", AccountEvents).WithTags("Dialogs").RequireAuthorization(OperatorsApi.StaffPolicy).ExcludeFromDescription();
        return app;
    }

    public static MessageResponse ToResponse(DialogMessage m) =>
        new(m.Seq, m.At, m.Author.ToString().ToLowerInvariant(), m.Text, m.OperatorId,
            m.Sources?.Select(ReplyX.Api.Knowledge.KnowledgeApi.ToResponse).ToArray(), m.Offline);

    public static DialogResponse ToResponse(DialogSummary d) => new(d.Id, d.AccountId, d.AssistantId, d.Channel, Status(d.Mode), d.OperatorId,
        d.CreatedAt, d.UpdatedAt, d.LastMessage is { } m ? ToResponse(m) : null,
        d.Rating is { } r ? new RatingResponse(r.Score, r.Comment, r.At) : null, d.Origin);

    public static NoteResponse ToResponse(DialogNote n) => new(n.Id, n.AuthorId, n.Text, n.At);

    public static string Status(DialogMode mode) => mode.ToString().ToLowerInvariant();

    private static async Task<Results<Ok<DialogListResponse>, ValidationProblem>> List([AsParameters] DialogListParameters p, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        var query = DialogListQuery.Parse(p, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var page = await grains.GetGrain<IDialogQueryGrain>(0).List(user.AccountId(), query!);
        return TypedResults.Ok(new DialogListResponse(page.Items.Select(ToResponse).ToArray(), DialogListQuery.Encode(page.NextCursor)));
    }

    private static async Task<Results<Ok<TranscriptResponse>, NotFound, ValidationProblem>> Get(Guid id, string? before, string? limit,
        ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = new Dictionary<string, string[]>();
        long? beforeSeq = null;
        if (before is not null)
        {
            if (long.TryParse(before, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0)
            {
                beforeSeq = b;
            }
            else
            {
                errors["before"] = ["A message seq (a positive whole number) from nextCursor."];
            }
        }
        var count = DialogListQuery.Limit(limit, 50, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var transcript = await grains.GetGrain<IDialogQueryGrain>(0).Transcript(user.AccountId(), id, beforeSeq, count);
        return transcript is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(new TranscriptResponse(ToResponse(transcript.Dialog), transcript.Messages.Select(ToResponse).ToArray(),
                transcript.OlderBefore?.ToString(CultureInfo.InvariantCulture), transcript.Notes.Select(ToResponse).ToArray()));
    }

    private static Task<Results<Ok<DialogResponse>, NotFound>> Takeover(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        Change(id, user, grains, d => d.Takeover(user.AccountId(), user.UserId()));

    private static Task<Results<Ok<DialogResponse>, NotFound>> Release(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        Change(id, user, grains, d => d.Release(user.AccountId(), user.UserId()));

    private static Task<Results<Ok<DialogResponse>, NotFound>> Close(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        Change(id, user, grains, d => d.Close(user.AccountId()));

    private static async Task<Results<Ok<DialogResponse>, NotFound>> Change(Guid id, ClaimsPrincipal user, IGrainFactory grains,
        Func<IDialogGrain, Task<DialogSnapshot?>> change)
    {
        // The grain decides (and refuses another account's dialog); the row it wrote is what the lists show.
        if (await change(grains.GetGrain<IDialogGrain>(id)) is null)
        {
            return TypedResults.NotFound();
        }
        var summary = await grains.GetGrain<IDialogQueryGrain>(0).Find(user.AccountId(), id);
        return summary is null ? TypedResults.NotFound() : TypedResults.Ok(ToResponse(summary));
    }

    private static async Task<Results<Accepted<PostedResponse>, NotFound, ValidationProblem>> Post(Guid id, DialogMessageRequest r,
        ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        if (IdempotencyKey(http, out var key) is { } problem)
        {
            return problem;
        }
        // The key is the operator's: two operators' keys never collide.
        var externalId = key is null ? null : $"op:{user.UserId():N}:{key}";
        var posted = await grains.GetGrain<IDialogGrain>(id).PostOperatorMessage(user.AccountId(), user.UserId(), r.Text!.Trim(), externalId);
        return posted is null ? TypedResults.NotFound() : TypedResults.Accepted((string?)null, new PostedResponse(posted.Seq, posted.Duplicate));
    }

    private static async Task<Results<Created<NoteResponse>, NotFound>> AddNote(Guid id, DialogMessageRequest r, ClaimsPrincipal user, IGrainFactory grains)
    {
        var note = await grains.GetGrain<IDialogQueryGrain>(0).AddNote(user.AccountId(), id, user.UserId(), r.Text!.Trim());
        return note is null ? TypedResults.NotFound() : TypedResults.Created((string?)null, ToResponse(note));
    }

    private static async Task<IResult> Events(Guid id, ClaimsPrincipal user, IGrainFactory grains, DialogEventStream streams, HttpContext http)
    {
        var dialog = await grains.GetGrain<IDialogQueryGrain>(0).Find(user.AccountId(), id);
        return dialog is null ? TypedResults.NotFound() : streams.Dialog(http, user.AccountId(), dialog, http.Request.Headers["Last-Event-ID"], staff: true);
    }

    /// <summary>Operators are online for offers while their feed is open; owners when they ask to be (<c>?available=true</c>).</summary>
    private static IResult AccountEvents(ClaimsPrincipal user, DialogEventStream streams, HttpContext http, string? available)
    {
        var online = user.IsInRole("operator") || string.Equals(available, "true", StringComparison.OrdinalIgnoreCase);
        return streams.Account(http, user.AccountId(), online ? user.UserId() : null, http.Request.Headers["Last-Event-ID"]);
    }

    private static async Task<Ok<DeskResponse>> Desk(ClaimsPrincipal user, IGrainFactory grains)
    {
        var view = await grains.GetGrain<IOperatorDeskGrain>(user.AccountId()).View();
        return TypedResults.Ok(new DeskResponse(
            view.Queue.Select(q => new QueuedResponse(q.DialogId, q.WaitingSince, q.OfferedTo, q.OfferedAt)).ToArray(),
            view.Online.Select(o => new PresenceResponse(o.OperatorId, o.Dialogs, o.Limit, o.OnlineSince)).ToArray()));
    }

    /// <summary>The <c>Idempotency-Key</c> header: optional, at most 100 printable ASCII characters.</summary>
    public static ValidationProblem? IdempotencyKey(HttpContext http, out string? key)
    {
        key = http.Request.Headers[IdempotencyHeader].ToString();
        if (key.Length == 0)
        {
            key = null;
            return null;
        }
        if (key.Length > 100 || key.Any(c => c is < '!' or > '~'))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [IdempotencyHeader] = ["At most 100 printable ASCII characters."] });
        }
        return null;
    }
}

/// <summary>Turns the list's query string into a <see cref="DialogQuery"/>, with a field error for every bad value.</summary>
public static class DialogListQuery
{
    public static DialogQuery? Parse(DialogListParameters p, Dictionary<string, string[]> errors)
    {
        DialogMode? mode = null;
        if (p.Status is { } status)
        {
            if (status is "ai" or "waiting" or "operator" or "closed")
            {
                mode = Enum.Parse<DialogMode>(status, ignoreCase: true);
            }
            else
            {
                errors["status"] = ["One of ai, waiting, operator, closed."];
            }
        }
        var assistant = Id(p.AssistantId, "assistantId", errors);
        var op = Id(p.OperatorId, "operatorId", errors);
        if (p.Channel is not (null or "telegram" or "widget"))
        {
            errors["channel"] = ["One of telegram, widget."];
        }
        var unanswered = false;
        if (p.Unanswered is { } u && !bool.TryParse(u, out unanswered))
        {
            errors["unanswered"] = ["true or false."];
        }
        var text = p.Q?.Trim();
        if (text is { Length: > 200 } || (text is not null && text.Any(char.IsControl)))
        {
            errors["q"] = ["At most 200 characters, without control characters."];
        }
        var limit = Limit(p.Limit, 50, errors);
        var cursor = Decode(p.Cursor, errors);
        return errors.Count > 0 ? null
            : new DialogQuery(mode, assistant, p.Channel, op, unanswered, string.IsNullOrEmpty(text) ? null : text, cursor, limit);
    }

    public static int Limit(string? value, int fallback, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return fallback;
        }
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= DialogLists.MaxLimit)
        {
            return limit;
        }
        errors["limit"] = [$"A whole number from 1 to {DialogLists.MaxLimit}."];
        return fallback;
    }

    private static Guid? Id(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }
        if (Guid.TryParse(value, out var id))
        {
            return id;
        }
        errors[field] = ["A GUID."];
        return null;
    }

    /// <summary>The cursor is opaque to clients: base64url of the last row's change time (ticks) and id.</summary>
    public static string? Encode(DialogCursor? cursor) => cursor is null ? null
        : Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{cursor.UpdatedAt.UtcTicks}.{cursor.Id:N}"));

    private static DialogCursor? Decode(string? value, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }
        try
        {
            if (value.Length <= 100)
            {
                var parts = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(value)).Split('.');
                if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                    && ticks <= DateTimeOffset.MaxValue.UtcTicks && Guid.TryParseExact(parts[1], "N", out var id))
                {
                    return new DialogCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id);
                }
            }
        }
        catch (FormatException)
        {
            // not base64url: the field error below
        }
        errors["cursor"] = ["Not a cursor this API returned (use nextCursor as given)."];
        return null;
    }
}
