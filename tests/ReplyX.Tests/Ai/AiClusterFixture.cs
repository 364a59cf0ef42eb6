using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using ReplyX.Ai;
using ReplyX.Tests.Infrastructure;
using ReplyX.Fakes;

namespace ReplyX.Tests.Ai;

/// <summary>An in-memory silo with short AI limits and a fake OpenAI-compatible server, shared by the AI tests.</summary>
public sealed class AiClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public FakeOpenAi Fake { get; private set; } = null!;

    public IServiceProvider Silo => Assert.IsType<InProcessSiloHandle>(Cluster.Primary).SiloHost.Services;
    public AiRouter Router => Silo.GetRequiredService<AiRouter>();
    public IAiUsageStore Usage => Silo.GetRequiredService<IAiUsageStore>();

    public static readonly TimeSpan RpmWindow = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(1);

    public async Task InitializeAsync()
    {
        Fake = await FakeOpenAi.StartAsync();
        Cluster = await ReplyXClusterFixture.Start(new()
        {
            ["Storage:Provider"] = "Memory",
            ["Ai:AttemptTimeout"] = "00:00:03",
            ["Ai:DirectoryRefresh"] = "00:00:00.050",
            ["Ai:Limits:RpmWindow"] = RpmWindow.ToString(),
            ["Ai:Limits:BreakDuration"] = BreakDuration.ToString(),
            ["Ai:Limits:FailureThreshold"] = "2",
            ["Test:FlakyChannel"] = "true",
            ["Dialogs:DeliveryRetryDelay"] = "00:00:00.100",
        });
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Fake.DisposeAsync();
    }

    /// <summary>Adds a key through the admin grain, as the admin endpoint does.</summary>
    public async Task<Guid> AddKey(string apiKey, string model, AiProviderKind provider = AiProviderKind.OpenAi, int priority = 100,
        int? rpm = null, long? tokensPerDay = null, string? folderId = null, string? scope = null, string? authUrl = null)
    {
        var id = Guid.NewGuid();
        await Cluster.GrainFactory.GetGrain<IAiAdminGrain>(0).Save(
            new AiTokenSettings(id, provider, Fake.BaseUrl, [model], priority, rpm, tokensPerDay, true, folderId, scope, null, authUrl), apiKey);
        Router.Invalidate();
        return id;
    }

    public static AiRequest Ask(string model, string text, params AiProviderKind[] chain) =>
        new(Guid.NewGuid(), model, chain, [new AiChatMessage("system", "You are a helpful support assistant."), new AiChatMessage("user", text)]);
}

[CollectionDefinition(Name)]
public sealed class AiCollection : ICollectionFixture<AiClusterFixture>
{
    public const string Name = "ai cluster";
}
