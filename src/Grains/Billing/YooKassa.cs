using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Billing;

public sealed class YooKassaOptions
{
    public const string Section = "Billing:YooKassa";

    /// <summary>The shop's id; unset: top-ups are off (503).</summary>
    public string? ShopId { get; set; }

    public string? SecretKey { get; set; }

    public string BaseUrl { get; set; } = "https://api.yookassa.ru/v3";

    /// <summary>Where the payer comes back to after paying (the web app's balance page).</summary>
    public string? ReturnUrl { get; set; }

    /// <summary>Smallest and largest top-up, in roubles.</summary>
    public decimal MinTopUp { get; set; } = 10;

    public decimal MaxTopUp { get; set; } = 1_000_000;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    public bool Configured => !string.IsNullOrWhiteSpace(ShopId);
}

public sealed class YooKassaOptionsValidator : IValidateOptions<YooKassaOptions>
{
    public ValidateOptionsResult Validate(string? name, YooKassaOptions o)
    {
        var failures = new OptionsFailures(YooKassaOptions.Section).Positive(nameof(o.Timeout), o.Timeout);
        if (!Uri.TryCreate(o.BaseUrl, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
        {
            failures.Add($"{failures.Key(nameof(o.BaseUrl))} must be an absolute http(s) URL (got '{o.BaseUrl}').");
        }
        if (o.MinTopUp <= 0 || o.MaxTopUp < o.MinTopUp || decimal.Round(o.MinTopUp, 2) != o.MinTopUp || decimal.Round(o.MaxTopUp, 2) != o.MaxTopUp)
        {
            failures.Add($"{failures.Key(nameof(o.MinTopUp))} and {failures.Key(nameof(o.MaxTopUp))} must be whole kopecks, 0 < min ≤ max.");
        }
        if (o.Configured)
        {
            if (!o.ShopId!.All(char.IsAsciiDigit))
            {
                failures.Add($"{failures.Key(nameof(o.ShopId))} must be the shop's numeric id from YooKassa's dashboard (got '{o.ShopId}').");
            }
            failures.NotEmpty(nameof(o.SecretKey), o.SecretKey);
            if (!Uri.TryCreate(o.ReturnUrl, UriKind.Absolute, out _))
            {
                failures.Add($"{failures.Key(nameof(o.ReturnUrl))} must be an absolute URL when {failures.Key(nameof(o.ShopId))} is set (got '{o.ReturnUrl}').");
            }
        }
        return failures.ToValidation();
    }
}

/// <summary>A payment as YooKassa reports it.</summary>
public sealed record GatewayPayment(string Id, string Status, bool Paid, long Amount, string? ConfirmationUrl, Guid? AccountId);

/// <summary>A refund as YooKassa reports it.</summary>
public sealed record GatewayRefund(string Id, string PaymentId, string Status, long Amount);

/// <summary>YooKassa said no (a 4xx), or could not be reached / failed (5xx, timeout): <see cref="Transient"/>.</summary>
public sealed class GatewayException(string message, bool transient) : Exception(message)
{
    public bool Transient { get; } = transient;
}

/// <summary>YooKassa's v3 HTTP API: Basic auth with the shop id and secret key, amounts as rouble strings with kopecks.</summary>
public sealed class YooKassaClient(IOptions<YooKassaOptions> options)
{
    private readonly HttpClient _http = new() { Timeout = options.Value.Timeout };

    private HttpRequestMessage Request(HttpMethod method, string path)
    {
        var o = options.Value;
        var request = new HttpRequestMessage(method, o.BaseUrl.TrimEnd('/') + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.ShopId}:{o.SecretKey}")));
        return request;
    }

    /// <summary>Creates a redirect payment; the same <paramref name="idempotenceKey"/> returns the same payment.</summary>
    public async Task<GatewayPayment> Create(Guid accountId, long amount, string idempotenceKey, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Post, "/payments");
        request.Headers.Add("Idempotence-Key", idempotenceKey);
        request.Content = JsonContent.Create(new
        {
            amount = new { value = Roubles(amount), currency = Money.Currency },
            capture = true,
            confirmation = new { type = "redirect", return_url = options.Value.ReturnUrl },
            description = "ReplyX balance top-up",
            metadata = new Dictionary<string, string> { ["account_id"] = accountId.ToString() },
        });
        return Payment((await Send(request, cancellationToken))!);
    }

    public async Task<GatewayPayment?> Payment(string paymentId, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Get, "/payments/" + Uri.EscapeDataString(paymentId));
        return await Send(request, cancellationToken, notFoundIsNull: true) is { } json ? Payment(json) : null;
    }

    public async Task<GatewayRefund?> Refund(string refundId, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Get, "/refunds/" + Uri.EscapeDataString(refundId));
        if (await Send(request, cancellationToken, notFoundIsNull: true) is not { } json)
        {
            return null;
        }
        var r = json.RootElement;
        return new GatewayRefund(r.GetProperty("id").GetString()!, r.GetProperty("payment_id").GetString()!, r.GetProperty("status").GetString()!,
            Units(r.GetProperty("amount")));
    }

    private static GatewayPayment Payment(JsonDocument json)
    {
        var p = json.RootElement;
        Guid? account = p.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                        && metadata.TryGetProperty("account_id", out var a) && Guid.TryParse(a.GetString(), out var id) ? id : null;
        string? url = p.TryGetProperty("confirmation", out var c) && c.ValueKind == JsonValueKind.Object && c.TryGetProperty("confirmation_url", out var u)
            ? u.GetString() : null;
        return new GatewayPayment(p.GetProperty("id").GetString()!, p.GetProperty("status").GetString()!,
            p.TryGetProperty("paid", out var paid) && paid.GetBoolean(), Units(p.GetProperty("amount")), url, account);
    }

    private static long Units(JsonElement amount)
    {
        if (amount.GetProperty("currency").GetString() != Money.Currency || !Money.TryParse(amount.GetProperty("value").GetString(), out var units))
        {
            throw new GatewayException("YooKassa reported an amount that is not in roubles", transient: false);
        }
        return units;
    }

    public static string Roubles(long units) => (units / (decimal)Money.UnitsPerRouble).ToString("0.00", CultureInfo.InvariantCulture);

    private async Task<JsonDocument?> Send(HttpRequestMessage request, CancellationToken cancellationToken, bool notFoundIsNull = false)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new GatewayException("YooKassa is unreachable: " + Errors.Describe(ex), transient: true);
        }
        using (response)
        {
            if (notFoundIsNull && response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new GatewayException($"YooKassa answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 300)]}", (int)response.StatusCode >= 500);
            }
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        }
    }
}
