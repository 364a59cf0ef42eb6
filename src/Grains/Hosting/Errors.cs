namespace ReplyX.Hosting;

public static class Errors
{
    /// <summary>
    /// A failure's message with its causes ("An error occurred while sending the request. ← Connection
    /// refused (127.0.0.1:5001)"): the outer message alone rarely says what went wrong. No stack trace, so it
    /// suits warnings logged on a hot path.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var text = exception.Message;
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (!text.Contains(inner.Message, StringComparison.Ordinal))
            {
                text += " ← " + inner.Message;
            }
        }
        return text;
    }
}
