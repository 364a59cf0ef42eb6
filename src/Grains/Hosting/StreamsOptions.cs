using Microsoft.Extensions.Options;

namespace ReplyX.Hosting;

/// <summary>The <c>Streams</c> section: the <c>events</c> memory-stream provider.</summary>
public sealed class StreamsOptions
{
    public const string Section = "Streams";

    /// <summary>
    /// How often the memory-stream queues are polled. Orleans' default (100 ms) would add that much to every
    /// live update an operator or a widget visitor sees.
    /// </summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(20);
}

public sealed class StreamsOptionsValidator : IValidateOptions<StreamsOptions>
{
    public ValidateOptionsResult Validate(string? name, StreamsOptions options) =>
        new OptionsFailures(StreamsOptions.Section).Positive(nameof(options.PollPeriod), options.PollPeriod).ToValidation();
}
