using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReplyX.Ai;
using ReplyX.Fakes;
using ReplyX.Security;

namespace ReplyX.Tests.Ai;

/// <summary>The provider client under more concurrent questions than a key has connections, against the fake over HTTP.</summary>
public sealed class AiProviderOverloadTests
{
    [Fact]
    public async Task A_burst_above_the_keys_connections_waits_for_a_slot_instead_of_timing_out_inside_the_pool()
    {
        await using var fake = await FakeOpenAi.StartAsync();
        const string apiKey = "sk-overload";
        fake.For(apiKey).Latency = TimeSpan.FromMilliseconds(500);
        var secrets = new SecretProtector(DataProtectionProvider.Create("replyx-tests"));
        // Two connections, a 2.5 s attempt: sixteen questions at once need ~4 s in all, so a question that
        // counted its wait for a connection against its attempt would time out.
        var client = new AiProviderClient(secrets, Options.Create(new AiProviderOptions { MaxConnectionsPerKey = 2, AttemptTimeout = TimeSpan.FromSeconds(2.5) }),
            TimeProvider.System, NullLogger<AiProviderClient>.Instance);
        var token = new StoredAiToken(new AiTokenSettings(Guid.NewGuid(), AiProviderKind.Custom, fake.BaseUrl, ["m"], 1, null, null, true, null, null, null, null),
            "sk-…|" + secrets.Protect(apiKey));

        var warmUp = await client.Complete(token, "m", [new AiChatMessage("user", "warm-up")], null, 64, null, CancellationToken.None);
        Assert.Equal(AiCallOutcome.Success, warmUp.Outcome); // the first call pays for JIT and the connection

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            client.Complete(token, "m", [new AiChatMessage("user", $"q{i}")], null, 64, null, CancellationToken.None)));

        Assert.All(results, r => Assert.Equal(AiCallOutcome.Success, r.Outcome));
        Assert.Equal(17, fake.ServedTo(apiKey).Count);
    }
}
