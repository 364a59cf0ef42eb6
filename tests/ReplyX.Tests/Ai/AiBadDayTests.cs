using ReplyX.Ai;

namespace ReplyX.Tests.Ai;

/// <summary>
/// The providers' bad days, each served by the fake over HTTP to the real OpenAI client: no usage reported,
/// an answer cut mid-way, an empty completion, and callers that give up.
/// </summary>
[Collection(AiCollection.Name)]
public sealed class AiBadDayTests(AiClusterFixture fixture)
{
    private static string NewModel() => "model-" + Guid.NewGuid().ToString("N")[..8];
    private static string NewKey(string name) => $"sk-{name}-{Guid.NewGuid():N}";

    private async Task<AiTokenStatus> Status(Guid id) => await fixture.Cluster.GrainFactory.GetGrain<IAiTokenGrain>(id).GetStatus();

    private static AiRequest Ask(string model, string text, bool stream) =>
        AiClusterFixture.Ask(model, text) with { OnPartial = !stream ? null : _ => ValueTask.CompletedTask };

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task A_streamed_request_asks_for_the_usage_chunk_and_its_usage_is_not_estimated()
    {
        var model = NewModel();
        var key = NewKey("usage");
        await fixture.AddKey(key, model);
        var request = Ask(model, "how much is it", stream: true);

        var answer = await fixture.Router.Complete(request);

        var served = Assert.Single(fixture.Fake.ServedTo(key));
        Assert.True(served.IncludeUsage);
        Assert.False(answer.TokensEstimated);
        Assert.Equal(served.PromptTokens, answer.PromptTokens);
        Assert.Equal(0, Assert.Single(await fixture.Usage.DailyByAccount(request.AccountId, Today, Today)).EstimatedCalls);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_answer_without_usage_is_metered_with_an_estimate_and_flagged(bool stream)
    {
        var model = NewModel();
        var key = NewKey("no-usage");
        fixture.Fake.For(key).OmitUsage = true;
        var id = await fixture.AddKey(key, model);
        var request = Ask(model, "where is my order, it is late", stream);

        var answer = await fixture.Router.Complete(request);

        Assert.Equal("Echo: where is my order, it is late", answer.Text);
        Assert.True(answer.TokensEstimated);
        var prompt = AiTokenEstimator.Prompt(request.Messages);
        var completion = AiTokenEstimator.Completion(answer.Text);
        Assert.Equal(prompt, answer.PromptTokens);
        Assert.Equal(completion, answer.CompletionTokens);
        // The key's daily budget and the usage record (billing) count the estimate, not zero.
        Assert.Equal(prompt + completion, (await Status(id)).TokensToday);
        var daily = Assert.Single(await fixture.Usage.DailyByAccount(request.AccountId, Today, Today));
        Assert.Equal(prompt, daily.PromptTokens);
        Assert.Equal(completion, daily.CompletionTokens);
        Assert.Equal(1, daily.EstimatedCalls);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public async Task An_answer_cut_mid_way_is_a_failed_attempt_that_fails_over_and_releases_its_lease(bool stream, bool gracefully)
    {
        var model = NewModel();
        var cut = NewKey("cut");
        var healthy = NewKey("healthy");
        fixture.Fake.For(cut).Content = "This partial answer must never reach the customer";
        fixture.Fake.For(cut).CutAfterDeltas = 3;
        fixture.Fake.For(cut).CutGracefully = gracefully;
        // A stream is cut once the client has read its first three words.
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Fake.For(cut).CutWhen = seen.Task;
        var cutId = await fixture.AddKey(cut, model, priority: 1);
        var healthyId = await fixture.AddKey(healthy, model, priority: 2);
        var partials = new List<string>();
        var request = AiClusterFixture.Ask(model, "when do you open") with
        {
            OnPartial = !stream ? null : partial =>
            {
                partials.Add(partial);
                if (partial == "This partial answer")
                {
                    seen.TrySetResult();
                }
                return ValueTask.CompletedTask;
            },
        };

        var answer = await fixture.Router.Complete(request);

        Assert.Equal(healthyId, answer.TokenId);
        Assert.Equal(2, answer.Attempts);
        Assert.Equal("Echo: when do you open", answer.Text);
        Assert.True(Assert.Single(fixture.Fake.ServedTo(cut)).Cut);
        if (stream)
        {
            // The cut key's words were shown as typing, then the next key's answer started afresh.
            Assert.Contains("This partial answer", partials);
            Assert.Equal(answer.Text, partials[^1]);
        }
        // Reported to the key's grain as a failure, the lease released at once (not after the lease timeout).
        var status = await Status(cutId);
        Assert.Equal(0, status.InFlight);
        Assert.Equal(1, status.TotalRequests);
        Assert.Equal(1, status.TotalFailures);
        var failed = Assert.Single(await fixture.Usage.DailyByToken(cutId, Today, Today));
        Assert.Equal(1, failed.Failures);
        if (stream)
        {
            // Three words arrived before the stream ended: the provider billed them and the prompt.
            Assert.Equal(1, failed.EstimatedCalls);
            Assert.Equal(AiTokenEstimator.Completion("This partial answer"), failed.CompletionTokens);
            Assert.Equal(failed.PromptTokens + failed.CompletionTokens, status.TokensToday);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stream_cut_after_its_finish_reason_is_a_complete_answer_with_estimated_usage(bool gracefully)
    {
        var model = NewModel();
        var key = NewKey("no-usage-chunk");
        fixture.Fake.For(key).CutBeforeUsage = true;
        fixture.Fake.For(key).CutGracefully = gracefully;
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Fake.For(key).CutWhen = seen.Task;
        var id = await fixture.AddKey(key, model);
        var request = AiClusterFixture.Ask(model, "is it complete") with
        {
            OnPartial = partial =>
            {
                if (partial == "Echo: is it complete")
                {
                    seen.TrySetResult();
                }
                return ValueTask.CompletedTask;
            },
        };

        var answer = await fixture.Router.Complete(request);

        Assert.Equal(id, answer.TokenId);
        Assert.Equal(1, answer.Attempts);
        Assert.Equal("Echo: is it complete", answer.Text);
        Assert.True(answer.TokensEstimated);
        Assert.Equal(AiTokenEstimator.Prompt(request.Messages) + AiTokenEstimator.Completion(answer.Text), (await Status(id)).TokensToday);
        Assert.True(Assert.Single(fixture.Fake.ServedTo(key)).Cut);
    }

    [Fact]
    public async Task A_cut_stream_is_reported_with_a_clear_error()
    {
        var model = NewModel();
        var key = NewKey("cut-only");
        fixture.Fake.For(key).CutAfterDeltas = 1;
        fixture.Fake.For(key).CutGracefully = true;
        await fixture.AddKey(key, model);

        var error = await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(Ask(model, "hello there", stream: true)));

        Assert.Contains("ServerError stream ended without a finish_reason after 5 characters", error.Message); // "Echo:"
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "")]
    [InlineData(false, "  \n ")]
    [InlineData(true, "   ")]
    public async Task An_empty_completion_fails_over_to_the_next_key(bool stream, string content)
    {
        var model = NewModel();
        var empty = NewKey("empty");
        var healthy = NewKey("answers");
        fixture.Fake.For(empty).Content = content;
        var emptyId = await fixture.AddKey(empty, model, priority: 1);
        var healthyId = await fixture.AddKey(healthy, model, priority: 2);

        var answer = await fixture.Router.Complete(Ask(model, "are you there", stream));

        Assert.Equal(healthyId, answer.TokenId);
        Assert.Equal(2, answer.Attempts);
        Assert.Equal("Echo: are you there", answer.Text);
        var status = await Status(emptyId);
        Assert.Equal(0, status.InFlight);
        Assert.Equal(1, status.TotalFailures);
        // The provider billed the prompt of the empty answer: the budget counts it.
        Assert.Equal(Assert.Single(fixture.Fake.ServedTo(empty)).PromptTokens, status.TokensToday);
    }

    [Fact]
    public async Task When_every_key_answers_empty_the_router_is_unavailable()
    {
        var model = NewModel();
        var first = NewKey("empty-1");
        var second = NewKey("empty-2");
        fixture.Fake.For(first).Content = "";
        fixture.Fake.For(second).Content = " ";
        await fixture.AddKey(first, model, priority: 1);
        await fixture.AddKey(second, model, priority: 2);

        var error = await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(Ask(model, "anyone", stream: false)));

        Assert.Contains("Empty empty completion", error.Message);
        Assert.Single(fixture.Fake.ServedTo(first));
        Assert.Single(fixture.Fake.ServedTo(second));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cancelling_mid_call_releases_the_lease_of_the_key(bool stream)
    {
        var model = NewModel();
        var key = NewKey("slow");
        fixture.Fake.For(key).Latency = TimeSpan.FromSeconds(30);
        var id = await fixture.AddKey(key, model);
        using var cancel = new CancellationTokenSource();

        var call = fixture.Router.Complete(Ask(model, "take your time", stream), cancel.Token);
        await AiWait.Until(() => Task.FromResult(fixture.Fake.Arrivals.Contains(key)), "the request to reach the provider");
        Assert.Equal(1, (await Status(id)).InFlight);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await AiWait.Until(async () => (await Status(id)).InFlight == 0, "the lease to be released");
        var status = await Status(id);
        Assert.Equal(0, status.TotalFailures); // the caller gave up: the key is not blamed
        Assert.Equal(CircuitState.Closed, status.Circuit);
    }

    [Fact]
    public async Task Cancelling_mid_stream_after_partial_text_releases_the_lease()
    {
        var model = NewModel();
        var key = NewKey("streaming");
        var id = await fixture.AddKey(key, model);
        using var cancel = new CancellationTokenSource();
        var request = AiClusterFixture.Ask(model, "a long answer please") with
        {
            OnPartial = async _ => await cancel.CancelAsync(),
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Router.Complete(request, cancel.Token));

        await AiWait.Until(async () => (await Status(id)).InFlight == 0, "the lease to be released");
        Assert.Equal(0, (await Status(id)).TotalFailures);
    }

    [Fact]
    public async Task A_cancelled_half_open_trial_leaves_the_key_half_open()
    {
        var model = NewModel();
        var key = NewKey("recovering");
        fixture.Fake.For(key).ServerError = true;
        var id = await fixture.AddKey(key, model);
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<AiUnavailableException>(() => fixture.Router.Complete(AiClusterFixture.Ask(model, "x")));
        }
        var open = await Status(id);
        Assert.Equal(CircuitState.Open, open.Circuit);
        await Task.Delay(open.OpenUntil!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(50));
        fixture.Fake.For(key).ServerError = false;
        fixture.Fake.For(key).Latency = TimeSpan.FromSeconds(30);
        var arrived = fixture.Fake.Arrivals.Count(k => k == key);
        using var cancel = new CancellationTokenSource();

        var trial = fixture.Router.Complete(AiClusterFixture.Ask(model, "trial"), cancel.Token);
        await AiWait.Until(() => Task.FromResult(fixture.Fake.Arrivals.Count(k => k == key) > arrived), "the trial to reach the provider");
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trial);

        // A trial that proved nothing neither closes the circuit nor opens it again.
        await AiWait.Until(async () => (await Status(id)).InFlight == 0, "the trial's lease to be released");
        Assert.Equal(CircuitState.HalfOpen, (await Status(id)).Circuit);
    }
}
