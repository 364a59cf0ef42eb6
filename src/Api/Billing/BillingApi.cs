using System.Security.Claims;
using System.Text;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using ReplyX.Api.Accounts;
using ReplyX.Api.Admin;
using ReplyX.Api.Validation;
using ReplyX.Billing;

namespace ReplyX.Api.Billing;

/// <param name="ReferralCode">What a new business registers with so that this account gets the referral bonus.</param>
/// <param name="TopUp">Whether top-ups are possible on this platform, and the smallest and largest one.</param>
public sealed record BalanceResponse(string Balance, string Currency, string LowBalanceThreshold, string? DailyCap, string SpentToday, bool BillingEnabled,
    string ReferralCode, TopUpLimitsResponse TopUp);

public sealed record TopUpLimitsResponse(bool Available, string Min, string Max);

public sealed record LimitsRequest(string? LowBalanceThreshold, string? DailyCap);

public sealed record LedgerEntryResponse(long Id, DateTimeOffset At, string Kind, string Amount, string BalanceAfter, string? Service, string? Reference, string? Reason);

public sealed record SpendResponse(DateOnly Day, string Service, string Amount, long Count);

public sealed record AdjustRequest(string? Amount, string? Reason);

public sealed record TopUpRequest(string? Amount);

public sealed record PromoRequest(string? Code);

public sealed record PromoRedeemedResponse(string Amount, string Balance);

public sealed record PromoCodeRequest(string? Code, string? Amount, int? MaxUses, DateTimeOffset? ExpiresAt);

public sealed record PromoCodeResponse(string Code, string Amount, int MaxUses, int Uses, DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt);

public sealed class PromoRequestValidator : AbstractValidator<PromoRequest>
{
    public PromoRequestValidator() => RuleFor(r => r.Code).NotEmpty().MaximumLength(64);
}

public sealed class PromoCodeRequestValidator : AbstractValidator<PromoCodeRequest>
{
    public PromoCodeRequestValidator()
    {
        RuleFor(r => r.Code).NotEmpty().Length(3, 64).Matches("^[A-Za-z0-9_-]+$").WithMessage("3 to 64 letters, digits, '-' or '_'.");
        RuleFor(r => r.Amount).NotEmpty().Must(a => Money.TryParse(a, out var units) && units > 0).WithMessage("A positive amount in roubles.");
        RuleFor(r => r.MaxUses).NotNull().InclusiveBetween(1, 1_000_000);
    }
}

public sealed record TopUpResponse(string PaymentId, string ConfirmationUrl);

public sealed class TopUpRequestValidator : AbstractValidator<TopUpRequest>
{
    public TopUpRequestValidator() =>
        RuleFor(r => r.Amount).NotEmpty().Must(a => Money.TryParse(a, out var units) && units > 0).WithMessage("A positive amount in roubles, e.g. \"500\".");
}

/// <param name="Unit">"reply", "document", "message" or "1k tokens".</param>
public sealed record PriceResponse(string Service, string? Model, string Price, string Unit, DateTimeOffset EffectiveFrom);

public sealed record PriceRequest(string? Service, string? Model, string? Price, DateTimeOffset? EffectiveFrom);

public sealed class PriceRequestValidator : AbstractValidator<PriceRequest>
{
    public PriceRequestValidator()
    {
        RuleFor(r => r.Service).NotEmpty().Must(s => BillingServices.All.Contains(s!)).WithMessage($"One of {string.Join(", ", BillingServices.All)}.");
        RuleFor(r => r.Model).MaximumLength(200);
        RuleFor(r => r.Price).NotEmpty().Must(BillingApi.NonNegativeMoney).WithMessage(BillingApi.MoneyRule);
    }
}

public sealed class LimitsRequestValidator : AbstractValidator<LimitsRequest>
{
    public LimitsRequestValidator()
    {
        RuleFor(r => r.LowBalanceThreshold).NotEmpty().Must(BillingApi.NonNegativeMoney).WithMessage(BillingApi.MoneyRule);
        RuleFor(r => r.DailyCap).Must(BillingApi.NonNegativeMoney).When(r => r.DailyCap is not null).WithMessage(BillingApi.MoneyRule);
    }
}

public sealed class AdjustRequestValidator : AbstractValidator<AdjustRequest>
{
    public AdjustRequestValidator()
    {
        RuleFor(r => r.Amount).NotEmpty()
            .Must(a => Money.TryParse(a, out var units) && units != 0).WithMessage("A non-zero amount in roubles with at most 6 decimals, negative to debit.");
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
    }
}

/// <summary>The account's balance, its ledger and limits (API.md, Balance and billing), and the admin's manual credit or debit.</summary>
public static class BillingApi
{
    public const string MoneyRule = "An amount in roubles (at least 0, at most 6 decimals), e.g. \"12.5\".";

    public static bool NonNegativeMoney(string? text) => Money.TryParse(text, out var units) && units >= 0;

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        var balance = app.MapGroup("/api/balance").WithTags("Billing").RequireAuthorization(OperatorsApi.OwnerPolicy);
        balance.MapGet("", Get);
        balance.MapPut("/limits", SetLimits).Validate<LimitsRequest>();
        balance.MapGet("/transactions", Transactions);
        balance.MapGet("/spend", Spend);
        balance.MapPost("/topup", TopUp).Validate<TopUpRequest>();
        balance.MapPost("/promo", Redeem).Validate<PromoRequest>();
        // The gateway calls it: no user, and nothing in the body is believed (the payment is read back).
        app.MapPost("/api/payments/yookassa/webhook", Webhook).WithTags("Billing").AllowAnonymous().DisableAntiforgery();
        app.MapGet("/api/balance/prices", Prices).WithTags("Billing").RequireAuthorization();
        var admin = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(AdminApi.AdminPolicy);
        admin.MapPost("/accounts/{id:guid}/balance", Adjust).Validate<AdjustRequest>();
        admin.MapGet("/prices", AllPrices);
        admin.MapPut("/prices", SetPrice).Validate<PriceRequest>();
        admin.MapGet("/promo-codes", PromoCodes);
        admin.MapPost("/promo-codes", CreatePromoCode).Validate<PromoCodeRequest>();
        return app;
    }

    private static PriceResponse ToResponse(ServicePrice p) => new(p.Service, p.Model.Length == 0 ? null : p.Model, Money.Format(p.Price),
        BillingServices.PerThousandTokens(p.Service) ? "1k tokens" : p.Service switch
        {
            BillingServices.DocumentUpload => "document",
            BillingServices.BotMessage => "message",
            _ => "reply",
        }, p.EffectiveFrom);

    /// <summary>What is charged now, per service (and per model where one has its own price).</summary>
    private static async Task<Ok<PriceResponse[]>> Prices(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IBillingQueryGrain>(0).Prices(current: true)).Select(ToResponse).ToArray());

    /// <summary>Every price row, past and scheduled ones too, newest first per service.</summary>
    private static async Task<Ok<PriceResponse[]>> AllPrices(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IBillingQueryGrain>(0).Prices(current: false))
            .OrderBy(p => p.Service, StringComparer.Ordinal).ThenBy(p => p.Model, StringComparer.Ordinal).ThenByDescending(p => p.EffectiveFrom)
            .Select(ToResponse).ToArray());

    /// <summary>A new price from <c>effectiveFrom</c> (now when absent, never in the past: past usage keeps its price); audited.</summary>
    private static async Task<Results<Ok<PriceResponse>, ValidationProblem>> SetPrice(PriceRequest request, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time,
        HttpContext http)
    {
        var now = time.GetUtcNow();
        if (request.EffectiveFrom is { } from && from < now.AddMinutes(-1))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["effectiveFrom"] = ["A price cannot change the past: give a future time or none."] });
        }
        Money.TryParse(request.Price, out var price);
        var row = new ServicePrice(request.Service!, request.Model?.Trim() ?? "", price, request.EffectiveFrom is { } f && f > now ? f : now, UserId(user));
        await grains.GetGrain<IBillingQueryGrain>(0).SetPrice(row);
        await http.Audit("price.set", UserId(user), null, target: row.Model.Length == 0 ? row.Service : $"{row.Service}/{row.Model}",
            details: $"{Money.Format(price)} from {row.EffectiveFrom:O}");
        return TypedResults.Ok(ToResponse(row));
    }

    private static async Task<BalanceResponse> ToResponse(BalanceSnapshot s, Guid accountId, IGrainFactory grains)
    {
        var limits = await grains.GetGrain<IPaymentsGrain>(0).Limits();
        return new(Money.Format(s.Balance), Money.Currency, Money.Format(s.LowThreshold), s.DailyCap is { } cap ? Money.Format(cap) : null,
            Money.Format(s.SpentToday), s.Enabled, accountId.ToString("N"), new TopUpLimitsResponse(limits.Available, Money.Format(limits.Min), Money.Format(limits.Max)));
    }

    private static LedgerEntryResponse ToResponse(LedgerEntry e) => new(e.Id, e.At, KindName(e.Kind), Money.Format(e.Amount), Money.Format(e.BalanceAfter),
        e.Service, e.Reference, e.Reason);

    public static string KindName(LedgerKind kind) => kind == LedgerKind.TopUp ? "topup" : kind.ToString().ToLowerInvariant();

    private static async Task<Ok<BalanceResponse>> Get(ClaimsPrincipal user, IGrainFactory grains) =>
        TypedResults.Ok(await ToResponse(await grains.GetGrain<IBalanceGrain>(user.AccountId()).Get(), user.AccountId(), grains));

    private static async Task<Ok<BalanceResponse>> SetLimits(LimitsRequest request, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        Money.TryParse(request.LowBalanceThreshold, out var low);
        long? cap = Money.TryParse(request.DailyCap, out var c) ? c : null;
        var snapshot = await grains.GetGrain<IBalanceGrain>(user.AccountId()).SetLimits(low, cap);
        await http.Audit("balance.limits", UserId(user), user.AccountId(), details: $"low {Money.Format(low)}, daily cap {(cap is { } v ? Money.Format(v) : "none")}");
        return TypedResults.Ok(await ToResponse(snapshot, user.AccountId(), grains));
    }

    /// <summary>Newest first, keyset pages (<c>cursor</c> is the last id seen), filtered; <c>format=csv</c> exports the whole filtered ledger.</summary>
    private static async Task<IResult> Transactions(ClaimsPrincipal user, IGrainFactory grains, HttpContext http,
        int? limit, string? cursor, string? kind, string? service, DateTimeOffset? from, DateTimeOffset? to, string? format)
    {
        var errors = new Dictionary<string, string[]>();
        long? before = null;
        if (cursor is not null)
        {
            if (long.TryParse(cursor, out var id) && id > 0)
            {
                before = id;
            }
            else
            {
                errors["cursor"] = ["Not a cursor returned by this endpoint."];
            }
        }
        LedgerKind? kindFilter = null;
        if (kind is not null)
        {
            if (Enum.GetValues<LedgerKind>().FirstOrDefault(k => KindName(k) == kind) is var k && KindName(k) == kind)
            {
                kindFilter = k;
            }
            else
            {
                errors["kind"] = [$"One of {string.Join(", ", Enum.GetValues<LedgerKind>().Select(KindName))}."];
            }
        }
        if (service is not null && !BillingServices.All.Contains(service))
        {
            errors["service"] = [$"One of {string.Join(", ", BillingServices.All)}."];
        }
        if (limit is < 1 or > 200)
        {
            errors["limit"] = ["From 1 to 200."];
        }
        if (format is not null and not "csv" and not "json")
        {
            errors["format"] = ["json or csv."];
        }
        if (from is { } f && to is { } t && t <= f)
        {
            errors["to"] = ["Must be after from."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var reader = grains.GetGrain<IBillingQueryGrain>(0);
        var query = new LedgerQuery(limit ?? 50, before, kindFilter, service, from, to);
        if (format == "csv")
        {
            return TypedResults.Stream(stream => Csv(stream, reader, user.AccountId(), query with { Limit = 1000 }, http.RequestAborted),
                "text/csv; charset=utf-8", "transactions.csv");
        }
        var page = await reader.Ledger(user.AccountId(), query);
        return TypedResults.Ok(new Page<LedgerEntryResponse>(page.Select(ToResponse).ToArray(), page.Count == query.Limit ? page[^1].Id.ToString() : null));
    }

    private static async Task Csv(Stream stream, IBillingQueryGrain reader, Guid accountId, LedgerQuery query, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        await writer.WriteLineAsync("id,at,kind,amount,balance_after,service,reference,reason");
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await reader.Ledger(accountId, query);
            foreach (var e in page)
            {
                await writer.WriteLineAsync(string.Join(',', e.Id, e.At.ToString("O"), KindName(e.Kind), Money.Format(e.Amount), Money.Format(e.BalanceAfter),
                    CsvField(e.Service), CsvField(e.Reference), CsvField(e.Reason)));
            }
            if (page.Count < query.Limit)
            {
                break;
            }
            query = query with { Before = page[^1].Id };
        }
    }

    /// <summary>Quoted when needed, and never read as a formula by a spreadsheet.</summary>
    private static string CsvField(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }

    private static async Task<Results<Ok<SpendResponse[]>, ValidationProblem>> Spend(ClaimsPrincipal user, IGrainFactory grains, TimeProvider time, DateOnly? from, DateOnly? to)
    {
        if (DayRange.Read(from, to, time, out var first, out var last) is { } invalid)
        {
            return invalid;
        }
        var rows = await grains.GetGrain<IBillingQueryGrain>(0).Spend(user.AccountId(), first, last);
        return TypedResults.Ok(rows.Select(r => new SpendResponse(r.Day, r.Service, Money.Format(r.Amount), r.Count)).ToArray());
    }

    /// <summary>Starts a top-up at the gateway; the same <c>Idempotency-Key</c> returns the same payment.</summary>
    private static async Task<IResult> TopUp(TopUpRequest request, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        if (ReplyX.Api.Dialogs.DialogsApi.IdempotencyKey(http, out var key) is { } bad)
        {
            return bad;
        }
        Money.TryParse(request.Amount, out var amount);
        var result = await grains.GetGrain<IPaymentsGrain>(0).TopUp(user.AccountId(), amount, key ?? Guid.NewGuid().ToString("N"));
        return result.Outcome switch
        {
            TopUpOutcome.Created => TypedResults.Created($"/api/balance/topup/{result.PaymentId}", new TopUpResponse(result.PaymentId!, result.ConfirmationUrl!)),
            TopUpOutcome.Invalid => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["amount"] = [result.Error!] }),
            TopUpOutcome.NotConfigured => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payments are not configured.", detail: result.Error),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The payment gateway did not accept the payment.", detail: "Try again in a minute."),
        };
    }

    /// <summary>A YooKassa notification: its event and object id are read, the rest is asked back from YooKassa.</summary>
    private static async Task<IResult> Webhook(HttpContext http, IGrainFactory grains)
    {
        string? @event, id;
        try
        {
            using var json = await System.Text.Json.JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            var root = json.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a YooKassa notification.");
            }
            @event = root.TryGetProperty("event", out var e) && e.ValueKind == System.Text.Json.JsonValueKind.String ? e.GetString() : null;
            id = root.TryGetProperty("object", out var o) && o.ValueKind == System.Text.Json.JsonValueKind.Object && o.TryGetProperty("id", out var i)
                 && i.ValueKind == System.Text.Json.JsonValueKind.String ? i.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a YooKassa notification.");
        }
        if (@event is null || id is null || id.Length > 100)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Not a YooKassa notification.");
        }
        var outcome = await grains.GetGrain<IPaymentsGrain>(0).Notified(@event, id);
        return outcome == NotificationOutcome.RetryLater
            ? TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The gateway could not be asked back; notify again.")
            : TypedResults.Ok();
    }

    private static async Task<IResult> Redeem(PromoRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var result = await grains.GetGrain<IPromoGrain>(0).Redeem(user.AccountId(), request.Code!);
        return result.Outcome switch
        {
            PromoOutcome.Credited => TypedResults.Ok(new PromoRedeemedResponse(Money.Format(result.Amount), Money.Format(result.Balance))),
            PromoOutcome.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such promo code."),
            PromoOutcome.AlreadyRedeemed => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "This account has redeemed the code already."),
            PromoOutcome.Expired => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The promo code has expired."),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The promo code has been used up."),
        };
    }

    private static PromoCodeResponse ToResponse(PromoCode c) => new(c.Code, Money.Format(c.Amount), c.MaxUses, c.Uses, c.ExpiresAt, c.CreatedAt);

    private static async Task<Ok<PromoCodeResponse[]>> PromoCodes(IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<IPromoGrain>(0).List()).Select(ToResponse).ToArray());

    private static async Task<IResult> CreatePromoCode(PromoCodeRequest request, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time, HttpContext http)
    {
        var now = time.GetUtcNow();
        if (request.ExpiresAt is { } until && until <= now)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["expiresAt"] = ["Must be in the future."] });
        }
        Money.TryParse(request.Amount, out var amount);
        var code = new PromoCode(request.Code!.Trim().ToUpperInvariant(), amount, request.MaxUses!.Value, 0, request.ExpiresAt, UserId(user), now);
        if (!await grains.GetGrain<IPromoGrain>(0).Create(code))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A promo code of that name exists.");
        }
        await http.Audit("promo.create", UserId(user), null, target: code.Code, details: $"{Money.Format(amount)} × {code.MaxUses}");
        return TypedResults.Created($"/api/admin/promo-codes/{code.Code}", ToResponse(code));
    }

    /// <summary>An admin's credit or debit: a reason is required and audited; a debit may take the balance below zero (a chargeback).</summary>
    private static async Task<Results<Ok<LedgerEntryResponse>, NotFound, ValidationProblem>> Adjust(
        Guid id, AdjustRequest request, ClaimsPrincipal user, IGrainFactory grains, HttpContext http)
    {
        if (ReplyX.Api.Dialogs.DialogsApi.IdempotencyKey(http, out var key) is { } bad)
        {
            return bad;
        }
        if (!await grains.GetGrain<IBillingQueryGrain>(0).AccountExists(id))
        {
            return TypedResults.NotFound();
        }
        Money.TryParse(request.Amount, out var amount);
        var movement = new Movement("admin:" + (key ?? Guid.NewGuid().ToString("N")), amount, LedgerKind.Adjustment, Reason: request.Reason!.Trim(),
            Reference: "admin:" + UserId(user), MayOverdraw: true);
        var result = await grains.GetGrain<IBalanceGrain>(id).Apply(movement);
        if (result.Outcome == MovementOutcome.Applied)
        {
            await http.Audit("balance.adjust", UserId(user), id, target: movement.Key, details: $"{Money.Format(amount)}: {movement.Reason}");
        }
        return TypedResults.Ok(ToResponse(result.Entry!));
    }

    private static Guid UserId(ClaimsPrincipal user) => Guid.Parse(user.FindFirstValue(ReplyX.Api.Accounts.ReplyXClaims.UserId)!);
}
