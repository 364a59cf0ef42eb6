using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using ReplyX.Ai;
using ReplyX.Fakes;
using ReplyX.Hosting;
using ReplyX.Tests.Infrastructure;

namespace ReplyX.Tests.Ai;

public sealed class ConfiguredProvidersTests
{
    [Fact]
    public async Task A_provider_declared_in_configuration_answers_without_any_admin_step()
    {
        await using var fake = await FakeOpenAi.StartAsync();
        await using var cluster = await ReplyXClusterFixture.Start(new()
        {
            ["Storage:Provider"] = "Memory",
            ["Ai:Providers:0:Name"] = "local-ollama",
            ["Ai:Providers:0:Kind"] = "custom",
            ["Ai:Providers:0:BaseUrl"] = fake.BaseUrl,
            ["Ai:Providers:0:ApiKey"] = "ollama",
            ["Ai:Providers:0:Models:0"] = "llama3.2",
        });
        var router = Assert.IsType<InProcessSiloHandle>(cluster.Primary).SiloHost.Services.GetRequiredService<AiRouter>();

        var answer = await router.Complete(new AiRequest(null, "llama3.2", [], [new AiChatMessage("user", "привет")]));

        Assert.Equal("Echo: привет", answer.Text);
        var keys = await cluster.GrainFactory.GetGrain<IAiAdminGrain>(0).List();
        Assert.Equal(answer.TokenId, Assert.Single(keys).Settings.Id);
    }

    [Theory]
    [InlineData("Kind", "skynet", "Ai:Providers:0:Kind")]
    [InlineData("ApiKey", "", "Ai:Providers:0:ApiKey")]
    [InlineData("BaseUrl", "not a url", "Ai:Providers:0:BaseUrl")]
    public void Wrong_provider_settings_name_their_key(string field, string value, string key)
    {
        var values = new Dictionary<string, string?>
        {
            ["Ai:Providers:0:Kind"] = "custom",
            ["Ai:Providers:0:BaseUrl"] = "http://127.0.0.1:11434/v1",
            ["Ai:Providers:0:ApiKey"] = "ollama",
        };
        values["Ai:Providers:0:" + field] = value;

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var validator = new AiProviderOptionsValidator(Options.Create(new SiloMessagingOptions()));

        var error = Assert.Throws<ReplyXConfigurationException>(() => configuration.ReadValidated(AiProviderOptions.Section, validator));

        Assert.Contains(error.Errors, e => e.StartsWith(key, StringComparison.Ordinal));
    }
}
