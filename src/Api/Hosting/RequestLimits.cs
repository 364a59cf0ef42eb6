using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ReplyX.Api.Hosting;

/// <summary>
/// Caps request bodies (<c>Api:MaxRequestBodyBytes</c>, 1 MiB by default; endpoints raise or lower it with
/// <c>[RequestSizeLimit]</c> metadata) and refuses a body in a charset nobody can decode. A declared oversize
/// body is refused before it is read; a chunked one is counted by its payload bytes, not its framing, and
/// refused once it passes the cap.
/// </summary>
internal static class RequestLimits
{
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    public static WebApplication UseReplyXRequestLimits(this WebApplication app)
    {
        var limit = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxRequestBodyBytes;
        app.Use(async (context, next) =>
        {
            var effective = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? limit;
            if (context.Request.ContentLength > effective)
            {
                await ProblemResponses.Write(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large.", $"At most {effective} bytes are accepted here.");
                return;
            }
            if (UnknownCharset(context.Request.ContentType) is { } charset)
            {
                await ProblemResponses.Write(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported charset; send UTF-8.",
                    $"The charset '{charset}' of the Content-Type is not a known encoding.");
                return;
            }
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            {
                // With a declared length Kestrel enforces the cap; a chunked body is counted here instead.
                feature.MaxRequestBodySize = context.Request.ContentLength is null ? null : effective;
            }
            if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
            {
                context.Request.Body = new PayloadLimitStream(context.Request.Body, effective);
            }
            await next(context);
        });
        return app;
    }

    /// <summary>The charset named by <paramref name="contentType"/> when no decoder exists for it; null when it is absent or known.</summary>
    internal static string? UnknownCharset(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media) || media.Charset.Length == 0)
        {
            return null;
        }
        var charset = media.Charset.Value!.Trim('"');
        try
        {
            _ = Encoding.GetEncoding(charset);
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }
}

/// <summary>Reads a request body and fails with 413 once more than <c>limit</c> payload bytes have come through.</summary>
internal sealed class PayloadLimitStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Count(int read)
    {
        _read += read;
        if (_read > limit)
        {
            throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
        }
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
