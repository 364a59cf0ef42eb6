using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using ReplyX.Ai;
using ReplyX.Hosting;

namespace ReplyX.Tests.Ai;

/// <summary>Ai:AskBudget must end an ask before Orleans' response timeout does.</summary>
public sealed class AskBudgetOptionsTests
{
    private static IHost Silo(string? budget, TimeSpan? responseTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection([new("Storage:Provider", "Memory")]);
        if (budget is not null)
        {
            builder.Configuration.AddInMemoryCollection([new("Ai:AskBudget", budget)]);
        }
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            if (responseTimeout is { } timeout)
            {
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timeout);
            }
            silo.AddReplyXGrains(builder.Configuration);
        });
        return builder.Build();
    }

    private static TimeSpan Budget(IHost host) => host.Services.GetRequiredService<IOptions<AiProviderOptions>>().Value.AskBudget;

    [Fact]
    public void The_default_is_25_seconds()
    {
        using var host = Silo(null);
        Assert.Equal(TimeSpan.FromSeconds(25), Budget(host));
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    [InlineData("00:00:30")]
    [InlineData("00:01:00")]
    public async Task A_budget_not_positive_or_not_below_30_seconds_stops_the_silo_at_start(string budget)
    {
        using var host = Silo(budget);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Ai:AskBudget", error.Message);
    }

    [Fact]
    public void A_shortened_response_timeout_of_the_silo_bounds_the_budget_too()
    {
        using var equal = Silo("00:00:10", TimeSpan.FromSeconds(10));
        using var below = Silo("00:00:09", TimeSpan.FromSeconds(10));

        Assert.Throws<OptionsValidationException>(() => Budget(equal));
        Assert.Equal(TimeSpan.FromSeconds(9), Budget(below));
    }
}
