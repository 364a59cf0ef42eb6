using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using ReplyX.Ai;
using ReplyX.Assistants;
using ReplyX.Fakes;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Ai;

/// <summary>
/// Two in-process silos sharing one set of in-memory stores (as they would share PostgreSQL), a fake
/// OpenAI-compatible server, and a short Orleans response timeout with an AI attempt timeout and an ask
/// budget in the same proportions as production's (30 s, 60 s, 25 s).
/// </summary>
public sealed class AiTwoSiloFixture : IAsyncLifetime
{
    public static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(6);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan AskBudget = TimeSpan.FromSeconds(2.5);

    public TestCluster Cluster { get; private set; } = null!;
    public FakeOpenAi Fake { get; private set; } = null!;

    public IReadOnlyList<AiRouter> Routers => Cluster.Silos
        .Select(s => Assert.IsType<InProcessSiloHandle>(s).SiloHost.Services.GetRequiredService<AiRouter>()).ToArray();

    public async Task InitializeAsync()
    {
        Fake = await FakeOpenAi.StartAsync();
        var builder = new TestClusterBuilder(2);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Memory",
            ["Ai:AttemptTimeout"] = AttemptTimeout.ToString(),
            ["Ai:AskBudget"] = AskBudget.ToString(),
            ["Ai:DirectoryRefresh"] = "00:00:00.050",
            ["Ai:Limits:RpmWindow"] = "00:01:00",
            ["Ai:Limits:BreakDuration"] = "00:01:00",
            ["Ai:Limits:FailureThreshold"] = "2",
            ["Billing:Enabled"] = "false", // made-up accounts, as in every grain-level cluster (ReplyXClusterFixture.Start)
        }));
        // Before ReplyX's own: the stores it registers with TryAdd are then the shared ones.
        builder.AddSiloBuilderConfigurator<SharedStoresConfigurator>();
        builder.AddSiloBuilderConfigurator<ReplyXSiloConfigurator>();
        builder.AddClientBuilderConfigurator<ReplyXClientConfigurator>();
        builder.AddClientBuilderConfigurator<ClientTimeoutConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        Assert.Equal(2, Cluster.Silos.Count);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Fake.DisposeAsync();
    }

    public async Task<Guid> AddKey(string apiKey, string model, int priority = 100, int? rpm = null)
    {
        var id = Guid.NewGuid();
        await Cluster.GrainFactory.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(id, AiProviderKind.OpenAi, Fake.BaseUrl, [model], priority, rpm, null, true, null, null, null, null), apiKey);
        foreach (var router in Routers)
        {
            router.Invalidate();
        }
        return id;
    }

    public Task<AiTokenStatus> Status(Guid id) => Cluster.GrainFactory.GetGrain<IAiTokenGrain>(id).GetStatus();

    public sealed class SharedStoresConfigurator : ISiloConfigurator
    {
        private static readonly InMemoryAiTokenStore Tokens = new();
        private static readonly InMemoryAiUsageStore Usage = new();
        private static readonly InMemoryAssistantStore Assistants = new();

        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<IAiTokenStore>(Tokens);
            siloBuilder.Services.AddSingleton<IAiUsageStore>(Usage);
            siloBuilder.Services.AddSingleton<IAssistantStore>(Assistants);
            siloBuilder.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
        }
    }

    public sealed class ClientTimeoutConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = ResponseTimeout);
    }
}

[CollectionDefinition(Name)]
public sealed class AiTwoSiloCollection : ICollectionFixture<AiTwoSiloFixture>
{
    public const string Name = "ai two silos";
}
