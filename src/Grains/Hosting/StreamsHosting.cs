using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

public static class StreamsHosting
{
    /// <summary>
    /// The <c>events</c> memory-stream provider; its queues are polled every <c>Streams:PollPeriod</c>.
    /// </summary>
    public static ISiloBuilder AddReplyXStreams(this ISiloBuilder silo)
    {
        silo.Services.AddValidatedOptions<StreamsOptions, StreamsOptionsValidator>(StreamsOptions.Section);
        silo.AddMemoryStreams(StreamNames.Provider, streams => streams.ConfigurePullingAgent(agent =>
            agent.Configure<IOptions<StreamsOptions>>((o, options) => o.GetQueueMsgsTimerPeriod = options.Value.PollPeriod)));
        return silo;
    }
}
