using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;
using ReplyX.Hosting;

namespace ReplyX.Tests.Infrastructure;

/// <summary>Adds the ReplyX grains and providers to each test silo, with storage chosen by the cluster's configuration.</summary>
public sealed class ReplyXSiloConfigurator : ISiloConfigurator
{
    public void Configure(ISiloBuilder siloBuilder)
    {
        if (siloBuilder.Configuration["Test:FakeTime"] == "true")
        {
            siloBuilder.Services.AddSingleton<TimeProvider>(MemoryClusterFixture.Time);
        }
        if (siloBuilder.Configuration["Test:FlakyChannel"] == "true")
        {
            siloBuilder.Services.AddSingleton<FlakyChannel>();
            siloBuilder.Services.AddSingleton<ReplyX.Dialogs.IDialogChannel>(sp => sp.GetRequiredService<FlakyChannel>());
        }
        if (siloBuilder.Configuration["Test:CountingBilling"] == "true")
        {
            siloBuilder.Services.AddSingleton<CountingBillingStore>();
            siloBuilder.Services.AddSingleton<ReplyX.Billing.IBillingStore>(sp => sp.GetRequiredService<CountingBillingStore>());
        }
        siloBuilder.AddReplyXGrains(siloBuilder.Configuration);
    }
}

/// <summary>The in-memory ledger, counting the transactions written (to see group commit) and failing on demand.</summary>
public sealed class CountingBillingStore(TimeProvider time) : ReplyX.Billing.IBillingStore
{
    private readonly ReplyX.Billing.InMemoryBillingStore _inner = new(time);
    private long _transactions;

    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>While set, every write throws (the database is down).</summary>
    public volatile bool Failing;

    public Task<ReplyX.Billing.BalanceRow> Load(Guid accountId, DateOnly today) => _inner.Load(accountId, today);

    public async Task<IReadOnlyList<ReplyX.Billing.MovementResult>> Apply(Guid accountId, IReadOnlyList<ReplyX.Billing.Movement> movements, DateTimeOffset at)
    {
        // A database's round trip: what arrives meanwhile waits for the next transaction.
        await Task.Delay(2);
        if (Failing)
        {
            throw new TimeoutException("the ledger database did not answer");
        }
        Interlocked.Increment(ref _transactions);
        return await _inner.Apply(accountId, movements, at);
    }

    public Task SaveLimits(Guid accountId, long lowThreshold, long? dailyCap) => _inner.SaveLimits(accountId, lowThreshold, dailyCap);

    public Task<IReadOnlyList<ReplyX.Billing.LedgerEntry>> Ledger(Guid accountId, ReplyX.Billing.LedgerQuery query) => _inner.Ledger(accountId, query);

    public Task<IReadOnlyList<ReplyX.Billing.DailySpend>> Spend(Guid accountId, DateOnly from, DateOnly to) => _inner.Spend(accountId, from, to);
}

/// <summary>Test clients see the same <c>events</c> stream provider as the silos.</summary>
public sealed class ReplyXClientConfigurator : IClientBuilderConfigurator
{
    public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
        clientBuilder.AddMemoryStreams(StreamNames.Provider);
}

public abstract class ReplyXClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    protected abstract Task<Dictionary<string, string?>> Settings();

    public async Task InitializeAsync() => Cluster = await Start(await Settings());

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    public static async Task<TestCluster> Start(Dictionary<string, string?> settings, short silos = 1)
    {
        // Grain-level tests make accounts up, with no balance: charging is off unless a test turns it on
        // (tests/ReplyX.Tests/Billing); the API tests register accounts and run with it on.
        settings = new Dictionary<string, string?>(settings);
        settings.TryAdd("Billing:Enabled", "false");
        var builder = new TestClusterBuilder(silos);
        if (settings.TryGetValue("Test:ServiceId", out var serviceId) && serviceId is not null)
        {
            // Stored grain state is keyed by service id; a restarted cluster must keep it to find its rows.
            builder.Options.ServiceId = serviceId;
        }
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(settings));
        builder.AddSiloBuilderConfigurator<ReplyXSiloConfigurator>();
        builder.AddClientBuilderConfigurator<ReplyXClientConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

/// <summary>One in-memory two-silo test cluster with a controllable clock, shared by a collection.</summary>
public sealed class MemoryClusterFixture : ReplyXClusterFixture
{
    public static FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));

    protected override Task<Dictionary<string, string?>> Settings() => Task.FromResult(new Dictionary<string, string?>
    {
        ["Storage:Provider"] = "Memory",
        ["Test:FakeTime"] = "true",
    });
}

[CollectionDefinition(Name)]
public sealed class MemoryClusterCollection : ICollectionFixture<MemoryClusterFixture>
{
    public const string Name = "memory cluster";
}
