using ReplyX.Ai;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Ai;

/// <summary>Both usage stores keep whether a call's tokens were estimated (the provider reported no usage).</summary>
public abstract class AiUsageStoreContract
{
    protected abstract IAiUsageStore Store { get; }

    [Fact]
    public async Task Daily_totals_count_the_calls_whose_tokens_were_estimated()
    {
        var account = Guid.NewGuid();
        var key = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 3, 4, 10, 0, 0, TimeSpan.Zero);
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        AiUsageRecord Call(int prompt, int completion, AiCallOutcome outcome, bool estimated) =>
            new(Guid.NewGuid(), at, account, key, AiProviderKind.OpenAi, "gpt-4o-mini", prompt, completion, 100, outcome, estimated);

        await Store.Record(Call(10, 5, AiCallOutcome.Success, estimated: false));
        await Store.Record(Call(12, 7, AiCallOutcome.Success, estimated: true));
        await Store.Record(Call(12, 3, AiCallOutcome.ServerError, estimated: true)); // a stream cut mid-answer

        var byAccount = Assert.Single(await Store.DailyByAccount(account, day, day));
        Assert.Equal(new AiUsageDaily(day, account, 3, 1, 34, 15, 2), byAccount);
        var byKey = Assert.Single(await Store.DailyByToken(key, day, day));
        Assert.Equal(2, byKey.EstimatedCalls);
    }

    [Fact]
    public async Task Embedding_calls_are_counted_with_the_rest_and_their_tokens_told_apart()
    {
        var account = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 3, 6, 10, 0, 0, TimeSpan.Zero);
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        await Store.Record(new(Guid.NewGuid(), at, account, null, AiProviderKind.OpenAi, "gpt-4o-mini", 40, 9, 100, AiCallOutcome.Success));
        await Store.Record(new(Guid.NewGuid(), at, account, null, AiProviderKind.OpenAi, "text-embedding-3-small", 300, 0, 50, AiCallOutcome.Success,
            Purpose: AiCallPurpose.Embedding));
        await Store.Record(new(Guid.NewGuid(), at, account, null, AiProviderKind.OpenAi, "text-embedding-3-small", 25, 0, 50, AiCallOutcome.Success, true,
            AiCallPurpose.Embedding));

        Assert.Equal(new AiUsageDaily(day, account, 3, 0, 365, 9, 1, EmbeddingTokens: 325), Assert.Single(await Store.DailyByAccount(account, day, day)));
    }

    [Fact]
    public async Task Many_calls_recorded_at_once_are_each_counted_once()
    {
        // PostgreSQL group-commits concurrent records into one statement; a record sent twice (a retry) counts once.
        var account = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 3, 5, 10, 0, 0, TimeSpan.Zero);
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var calls = Enumerable.Range(1, 60).Select(i => new AiUsageRecord(Guid.NewGuid(), at, account, i % 3 == 0 ? null : Guid.NewGuid(),
            AiProviderKind.OpenAi, "gpt-4o-mini", i, 1, 10, i % 10 == 0 ? AiCallOutcome.ServerError : AiCallOutcome.Success, i % 4 == 0)).ToArray();

        await Task.WhenAll(calls.Concat(calls.Take(5)).Select(c => Store.Record(c)));

        var daily = Assert.Single(await Store.DailyByAccount(account, day, day));
        Assert.Equal(new AiUsageDaily(day, account, 60, 6, Enumerable.Range(1, 60).Sum(), 60, 15), daily);
    }
}

public sealed class InMemoryAiUsageStoreTests : AiUsageStoreContract
{
    protected override IAiUsageStore Store { get; } = new InMemoryAiUsageStore();
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAiUsageStoreTests(MigratedDatabase database) : AiUsageStoreContract, IClassFixture<MigratedDatabase>
{
    protected override IAiUsageStore Store { get; } = new PostgresAiUsageStore(database.DataSource);
}
