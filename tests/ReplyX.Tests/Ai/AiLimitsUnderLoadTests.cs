using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Dialogs;

namespace ReplyX.Tests.Ai;

[Collection(AiCollection.Name)]
public sealed class AiLimitsUnderLoadTests(AiClusterFixture fixture)
{
    [Fact]
    public async Task Per_key_limits_hold_under_200_concurrent_dialogs_and_usage_matches_the_provider_exactly()
    {
        const int rpm = 20;
        var model = "load-" + Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 4).Select(i => $"sk-load{i}-{Guid.NewGuid():N}").ToArray();
        var ids = new List<Guid>();
        foreach (var key in keys)
        {
            ids.Add(await fixture.AddKey(key, model, rpm: rpm));
        }
        // One key throws 429s now and then, as real providers do under load.
        fixture.Fake.For(keys[3]).RateLimitedRetryAfterSeconds = 1;
        var accountIds = Enumerable.Range(0, 200).Select(_ => Guid.NewGuid()).ToArray();

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answers = await Task.WhenAll(accountIds.Select(async (account, i) =>
        {
            var request = AiClusterFixture.Ask(model, $"question {i}") with { AccountId = account };
            while (true)
            {
                deadline.Token.ThrowIfCancellationRequested();
                try
                {
                    return await fixture.Router.Complete(request, deadline.Token);
                }
                catch (AiUnavailableException ex)
                {
                    // Every key is at its limit: wait until the earliest one has room, as a dialog does.
                    var wait = (ex.RetryAt ?? DateTimeOffset.UtcNow.AddMilliseconds(200)) - DateTimeOffset.UtcNow;
                    await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromMilliseconds(10), deadline.Token);
                }
            }
        }));

        Assert.All(answers.Select((a, i) => (a, i)), x => Assert.Equal($"Echo: question {x.i}", x.a.Text));

        // Provider's view: within any window of the limit's length, no key saw more than its RPM requests.
        var window = AiClusterFixture.RpmWindow;
        foreach (var key in keys)
        {
            var times = fixture.Fake.ServedTo(key).Select(r => r.At).Order().ToArray();
            for (var i = 0; i + rpm < times.Length; i++)
            {
                Assert.True(times[i + rpm] - times[i] >= window,
                    $"{key}: {rpm + 1} requests within {(times[i + rpm] - times[i]).TotalMilliseconds:0} ms");
            }
        }

        // Books: ReplyX's usage record equals what the provider served, call for call and token for token.
        var served = keys.SelectMany(fixture.Fake.ServedTo).ToArray();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var usage = new List<AiUsageDaily>();
        foreach (var id in ids)
        {
            usage.AddRange(await fixture.Usage.DailyByToken(id, today, today));
        }
        Assert.Equal(served.Length, usage.Sum(u => u.Calls));
        Assert.Equal(served.Count(s => s.Status != 200), usage.Sum(u => u.Failures));
        Assert.Equal(served.Sum(s => (long)s.PromptTokens), usage.Sum(u => u.PromptTokens));
        Assert.Equal(served.Sum(s => (long)s.CompletionTokens), usage.Sum(u => u.CompletionTokens));
        Assert.Equal(200, served.Count(s => s.Status == 200));
    }

    [Fact]
    public async Task Two_hundred_dialog_grains_wait_their_turn_and_never_push_a_key_past_its_limit()
    {
        const int rpm = 25;
        var model = "dialog-load-" + Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 4).Select(i => $"sk-dload{i}-{Guid.NewGuid():N}").ToArray();
        foreach (var key in keys)
        {
            await fixture.AddKey(key, model, rpm: rpm);
        }
        var account = Guid.NewGuid();
        var assistantId = Guid.NewGuid();
        await fixture.Cluster.GrainFactory.GetGrain<IAssistantGrain>(assistantId).Create(account, new AssistantSettings(
            "Load", "Be brief.", model, null, "en", [], HandoffRules.Default with { Keywords = [] }, WidgetSettings.Default, null));
        var dialogs = Enumerable.Range(0, 200).Select(_ => fixture.Cluster.GrainFactory.GetGrain<IDialogGrain>(Guid.NewGuid())).ToArray();

        await Task.WhenAll(dialogs.Select(async (dialog, i) =>
        {
            await dialog.Open(new DialogStart(account, assistantId, "test", null));
            await dialog.PostUserMessage($"load question {i}", null);
        }));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var answered = new HashSet<int>();
        while (answered.Count < dialogs.Length)
        {
            for (var i = 0; i < dialogs.Length; i++)
            {
                if (!answered.Contains(i) && (await dialogs[i].Get(account))!.Recent.Any(m => m.Author == MessageAuthor.Assistant && m.Text == $"Echo: load question {i}"))
                {
                    answered.Add(i);
                }
            }
            await Task.Delay(100, timeout.Token);
        }

        foreach (var key in keys)
        {
            var times = fixture.Fake.ServedTo(key).Select(r => r.At).Order().ToArray();
            for (var i = 0; i + rpm < times.Length; i++)
            {
                Assert.True(times[i + rpm] - times[i] >= AiClusterFixture.RpmWindow,
                    $"{key}: {rpm + 1} requests within {(times[i + rpm] - times[i]).TotalMilliseconds:0} ms");
            }
        }
        Assert.Equal(200, keys.Sum(k => fixture.Fake.ServedTo(k).Count));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var usage = Assert.Single(await fixture.Usage.DailyByAccount(account, today, today));
        Assert.Equal(200, usage.Calls);
        Assert.Equal(keys.SelectMany(fixture.Fake.ServedTo).Sum(r => (long)r.PromptTokens), usage.PromptTokens);
    }
}
