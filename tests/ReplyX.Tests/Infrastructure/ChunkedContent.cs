using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ReplyX.Tests.Infrastructure;

/// <summary>A JSON body without a declared length, so it goes out chunked, written 1,000 bytes at a time.</summary>
public sealed class ChunkedContent : HttpContent
{
    private readonly byte[] _bytes;

    public ChunkedContent(string json)
    {
        _bytes = Encoding.UTF8.GetBytes(json);
        Headers.ContentType = new MediaTypeHeaderValue("application/json");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (var i = 0; i < _bytes.Length; i += 1000)
        {
            await stream.WriteAsync(_bytes.AsMemory(i, Math.Min(1000, _bytes.Length - i)));
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
