using Microsoft.Extensions.Options;
using ReplyX.Hosting;

namespace ReplyX.Desk;

/// <summary>The <c>Desk</c> section: how waiting dialogs are offered to operators.</summary>
public sealed class DeskOptions
{
    public const string Section = "Desk";

    /// <summary>Dialogs one operator holds (plus those offered to them) before no more are offered.</summary>
    public int OperatorLimit { get; set; } = 5;

    /// <summary>An offer nobody took is made to another operator after this.</summary>
    public TimeSpan OfferTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An operator whose event stream has not renewed their presence for this long is offline.</summary>
    public TimeSpan PresenceTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>How often the desk looks for offers that ran out and operators who went away.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the desk reads the queue and the loads again from the store (a change it was not told of is picked up then).</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class DeskOptionsValidator : IValidateOptions<DeskOptions>
{
    public ValidateOptionsResult Validate(string? name, DeskOptions options) =>
        new OptionsFailures(DeskOptions.Section)
            .Between(nameof(options.OperatorLimit), options.OperatorLimit, 1, 1000)
            .Between(nameof(options.OfferTimeout), options.OfferTimeout, TimeSpan.Zero, TimeSpan.FromHours(1), "more than 0 and at most 1 hour")
            .Between(nameof(options.PresenceTimeout), options.PresenceTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "more than 1 s and at most 1 hour")
            .Between(nameof(options.CheckInterval), options.CheckInterval, TimeSpan.Zero, TimeSpan.FromMinutes(1), "more than 0 and at most 1 minute")
            .Between(nameof(options.ResyncInterval), options.ResyncInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "more than 1 s and at most 1 hour")
            .ToValidation();
}
