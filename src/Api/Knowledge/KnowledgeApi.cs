using System.Security.Claims;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using ReplyX.Api.Accounts;
using ReplyX.Api.Validation;
using ReplyX.Hosting;
using ReplyX.Knowledge;

namespace ReplyX.Api.Knowledge;

public sealed class DocumentUploadOptions
{
    public const string Section = "Knowledge";

    /// <summary>The largest document accepted (413 above).</summary>
    public long MaxUploadBytes { get; set; } = 20 * 1024 * 1024;
}

public sealed class DocumentUploadOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<DocumentUploadOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, DocumentUploadOptions o) =>
        new OptionsFailures(DocumentUploadOptions.Section).Between(nameof(o.MaxUploadBytes), o.MaxUploadBytes, 1, 1L << 30).ToValidation();
}

public sealed record DocumentResponse(
    Guid Id, Guid AssistantId, string FileName, string Format, long SizeBytes, string Status, string? Error, int ChunksDone, int ChunksTotal,
    int Pages, string? Language, bool Enabled, int Version, bool Searchable, string? EmbeddingModel, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record DocumentPatch(bool? Enabled);

public sealed record SearchRequest(string? Query, string? Context, int? K);

public sealed record SourceResponse(Guid DocumentId, string FileName, string? Heading, int? Page);

public sealed record SearchHitResponse(SourceResponse Source, int Position, string Text, double Score, bool Relevant, RetrieverScores Scores);

public sealed record RetrieverScores(double? FullText, double? Trigram, double? Vector);

public sealed record SearchResponse(IReadOnlyList<SearchHitResponse> Hits, string? EmbeddingModel);

public sealed class SearchRequestValidator : AbstractValidator<SearchRequest>
{
    public SearchRequestValidator()
    {
        RuleFor(r => r.Query).NotEmpty().MaximumLength(2000);
        RuleFor(r => r.Context).MaximumLength(4000);
        RuleFor(r => r.K).InclusiveBetween(1, 50);
    }
}

public sealed class DocumentPatchValidator : AbstractValidator<DocumentPatch>
{
    public DocumentPatchValidator() => RuleFor(r => r.Enabled).NotNull();
}

/// <summary>An assistant's documents and retrieval (API.md, Assistants and knowledge).</summary>
public static class KnowledgeApi
{
    /// <summary>Room for the multipart framing around the file itself.</summary>
    private const long MultipartOverhead = 64 * 1024;

    public static IEndpointRouteBuilder MapKnowledgeApi(this IEndpointRouteBuilder app)
    {
        var max = app.ServiceProvider.GetRequiredService<IOptions<DocumentUploadOptions>>().Value.MaxUploadBytes;
        var assistants = app.MapGroup("/api/assistants").WithTags("Knowledge").RequireAuthorization(OperatorsApi.OwnerPolicy);
        assistants.MapPost("/{id:guid}/documents", Upload).WithMetadata(new RequestSizeLimitAttribute(max + MultipartOverhead)).DisableAntiforgery();
        assistants.MapGet("/{id:guid}/documents", List);
        assistants.MapPost("/{id:guid}/search", Search).Validate<SearchRequest>();
        var documents = app.MapGroup("/api/documents").WithTags("Knowledge").RequireAuthorization(OperatorsApi.OwnerPolicy);
        documents.MapGet("/{id:guid}", Get);
        documents.MapPut("/{id:guid}", Replace).WithMetadata(new RequestSizeLimitAttribute(max + MultipartOverhead)).DisableAntiforgery();
        documents.MapPatch("/{id:guid}", Patch).Validate<DocumentPatch>();
        documents.MapDelete("/{id:guid}", Delete);
        return app;
    }

    public static DocumentResponse ToResponse(KnowledgeDocument d) => new(d.Id, d.AssistantId, d.FileName, d.Format.ToString().ToLowerInvariant(), d.SizeBytes,
        d.Status.ToString().ToLowerInvariant(), d.Error, d.ChunksDone, d.ChunksTotal, d.Pages, d.Language, d.Enabled, d.Version,
        d.Enabled && d.ActiveVersion > 0, d.EmbeddingModel, d.CreatedAt, d.UpdatedAt);

    public static SourceResponse ToResponse(KnowledgeSource s) => new(s.DocumentId, s.FileName, s.Heading, s.Page);

    private static Task<IResult> Upload(Guid id, HttpContext http, ClaimsPrincipal user, IGrainFactory grains, IOptions<DocumentUploadOptions> options) =>
        Store(http, options.Value, async () => await grains.GetGrain<ReplyX.Assistants.IAssistantGrain>(id).Get(user.AccountId()) is not null,
            (name, bytes) => grains.GetGrain<IDocumentGrain>(Guid.NewGuid()).Upload(user.AccountId(), id, name, bytes));

    private static Task<IResult> Replace(Guid id, HttpContext http, ClaimsPrincipal user, IGrainFactory grains, IOptions<DocumentUploadOptions> options) =>
        Store(http, options.Value, async () => await grains.GetGrain<IDocumentGrain>(id).Get(user.AccountId()) is not null,
            (name, bytes) => grains.GetGrain<IDocumentGrain>(id).Upload(user.AccountId(), null, name, bytes));

    /// <summary>Reads the multipart <c>file</c> and hands it to the document grain, which checks its type by content.</summary>
    private static async Task<IResult> Store(HttpContext http, DocumentUploadOptions options, Func<Task<bool>> owned, Func<string, byte[], Task<UploadResult>> upload)
    {
        // Another account's assistant or document is simply not found, whatever the body.
        if (!await owned())
        {
            return TypedResults.NotFound();
        }
        if (!http.Request.HasFormContentType || !(http.Request.ContentType?.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send the document as multipart/form-data with a 'file' field.");
        }
        var form = await http.Request.ReadFormAsync(http.RequestAborted);
        if (form.Files.GetFile("file") is not { } file)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["A file is required."] });
        }
        if (file.Length > options.MaxUploadBytes)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The document is too large.",
                detail: $"At most {options.MaxUploadBytes} bytes are accepted.");
        }
        var name = Path.GetFileName(file.FileName ?? "").Trim();
        if (name.Length is 0 or > 255 || name.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = ["The file needs a name of 1 to 255 characters."] });
        }
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, http.RequestAborted);
        }
        var result = await upload(name, bytes);
        return result.Outcome switch
        {
            UploadOutcome.Accepted => TypedResults.Accepted($"/api/documents/{result.Document!.Id}", ToResponse(result.Document)),
            UploadOutcome.UnsupportedType => TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported document type.", detail: result.Reason),
            UploadOutcome.Rejected => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The document cannot be used.", detail: result.Reason),
            UploadOutcome.Unpaid => TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, title: "The balance cannot pay for processing a document.",
                detail: "Top up the balance and upload it again."),
            _ => TypedResults.NotFound(),
        };
    }

    private static async Task<Results<Ok<DocumentResponse[]>, NotFound>> List(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IKnowledgeBaseGrain>(0).Documents(user.AccountId(), id) is { } documents
            ? TypedResults.Ok(documents.Select(ToResponse).ToArray())
            : TypedResults.NotFound();

    private static async Task<Results<Ok<DocumentResponse>, NotFound>> Get(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IDocumentGrain>(id).Get(user.AccountId()) is { } d ? TypedResults.Ok(ToResponse(d)) : TypedResults.NotFound();

    private static async Task<Results<Ok<DocumentResponse>, NotFound>> Patch(Guid id, DocumentPatch patch, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IDocumentGrain>(id).SetEnabled(user.AccountId(), patch.Enabled!.Value) is { } d ? TypedResults.Ok(ToResponse(d)) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Delete(Guid id, ClaimsPrincipal user, IGrainFactory grains) =>
        await grains.GetGrain<IDocumentGrain>(id).Delete(user.AccountId()) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Results<Ok<SearchResponse>, NotFound>> Search(Guid id, SearchRequest r, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await grains.GetGrain<IKnowledgeBaseGrain>(0).Search(user.AccountId(), id, r.Query!, r.Context, r.K) is not { } result)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Ok(new SearchResponse(result.Hits.Select(h => new SearchHitResponse(ToResponse(h.Source), h.Position, h.Text, h.Score, h.Relevant,
            new RetrieverScores(h.FullText, h.Trigram, h.Vector))).ToArray(), result.EmbeddingModel));
    }
}
