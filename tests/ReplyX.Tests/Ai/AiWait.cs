namespace ReplyX.Tests.Ai;

/// <summary>Polls a condition until it holds or a deadline passes (then fails the test, naming what it waited for).</summary>
internal static class AiWait
{
    public static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTimeOffset.UtcNow + (deadline ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > until)
            {
                Assert.Fail($"Timed out waiting for {what}.");
            }
            await Task.Delay(20);
        }
    }
}
