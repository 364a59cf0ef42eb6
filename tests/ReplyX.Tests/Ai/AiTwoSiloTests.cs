using System.Diagnostics;
using ReplyX.Ai;
using ReplyX.Assistants;

namespace ReplyX.Tests.Ai;

/// <summary>What must hold across silos: a key's limit and circuit breaker, and an ask's answer within Orleans' response timeout.</summary>
[Collection(AiTwoSiloCollection.Name)]
public sealed class AiTwoSiloTests(AiTwoSiloFixture fixture)
{
    private static string NewModel() => "model-" + Guid.NewGuid().ToString("N")[..8];
    private static string NewKey(string name) => $"sk-{name}-{Guid.NewGuid():N}";

    [Fact]
    public async Task An_ask_whose_keys_are_too_slow_says_retry_later_within_its_budget_instead_of_timing_out()
    {
        var model = NewModel();
        var first = NewKey("slow-1");
        var second = NewKey("slow-2");
        // Each key alone would take the whole attempt timeout; two of them outlast the response timeout.
        fixture.Fake.For(first).Latency = TimeSpan.FromSeconds(60);
        fixture.Fake.For(second).Latency = TimeSpan.FromSeconds(60);
        var firstId = await fixture.AddKey(first, model, priority: 1);
        var secondId = await fixture.AddKey(second, model, priority: 2);
        var account = Guid.NewGuid();
        var assistant = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(assistant).Create(account,
            AssistantDefaults.Settings with { Name = "slow", SystemPrompt = "Be brief.", Model = model, Language = "en" });

        var watch = Stopwatch.StartNew();
        var result = await fixture.Cluster.GrainFactory.GetGrain<IAskGrain>(0).Ask(account, assistant, "is anyone there");
        watch.Stop();

        Assert.NotNull(result);
        Assert.Equal("", result.Text);
        Assert.False(result.Offline);
        Assert.NotNull(result.UnavailableUntil);
        Assert.True(watch.Elapsed < AiTwoSiloFixture.AttemptTimeout, $"the ask took {watch.Elapsed}");
        // The budget was spent on the first key: the router did not fail over to the second.
        Assert.Single(fixture.Fake.Arrivals, k => k == first);
        Assert.DoesNotContain(second, fixture.Fake.Arrivals);
        await AiWait.Until(async () => (await fixture.Status(firstId)).InFlight == 0, "the first key's lease to be released");
        var status = await fixture.Status(firstId);
        Assert.Equal(0, status.TotalFailures); // the budget ran out, the key did not fail
        Assert.Equal(0, (await fixture.Status(secondId)).TotalRequests);
    }

    [Fact]
    public async Task A_keys_requests_per_minute_hold_across_silos()
    {
        var model = NewModel();
        var key = NewKey("rpm");
        await fixture.AddKey(key, model, rpm: 2);
        var (a, b) = (fixture.Routers[0], fixture.Routers[1]);

        await a.Complete(AiClusterFixture.Ask(model, "one"));
        await b.Complete(AiClusterFixture.Ask(model, "two"));
        var refusedA = await Assert.ThrowsAsync<AiUnavailableException>(() => a.Complete(AiClusterFixture.Ask(model, "three")));
        var refusedB = await Assert.ThrowsAsync<AiUnavailableException>(() => b.Complete(AiClusterFixture.Ask(model, "four")));

        Assert.Contains("Exhausted", refusedA.Message);
        Assert.Contains("Exhausted", refusedB.Message);
        Assert.Equal(2, fixture.Fake.ServedTo(key).Count);
    }

    [Fact]
    public async Task A_keys_open_circuit_holds_across_silos()
    {
        var model = NewModel();
        var key = NewKey("breaker");
        fixture.Fake.For(key).ServerError = true;
        var id = await fixture.AddKey(key, model);
        var (a, b) = (fixture.Routers[0], fixture.Routers[1]);

        // One failure through each silo: together they reach the threshold of two.
        await Assert.ThrowsAsync<AiUnavailableException>(() => a.Complete(AiClusterFixture.Ask(model, "one")));
        await Assert.ThrowsAsync<AiUnavailableException>(() => b.Complete(AiClusterFixture.Ask(model, "two")));
        Assert.Equal(CircuitState.Open, (await fixture.Status(id)).Circuit);
        var refusedA = await Assert.ThrowsAsync<AiUnavailableException>(() => a.Complete(AiClusterFixture.Ask(model, "three")));
        var refusedB = await Assert.ThrowsAsync<AiUnavailableException>(() => b.Complete(AiClusterFixture.Ask(model, "four")));

        Assert.Contains("Unhealthy", refusedA.Message);
        Assert.Contains("Unhealthy", refusedB.Message);
        Assert.Equal(2, fixture.Fake.ServedTo(key).Count);
    }
}
