using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ReplyX.Hosting;

/// <summary>
/// <c>Cluster:Liveness:*</c> is Orleans' <see cref="ClusterMembershipOptions"/> (docs/operations.md, Failover
/// tuning). Orleans checks a few of them only once the silo starts; these are refused before anything runs.
/// </summary>
public sealed class LivenessOptionsValidator : IValidateOptions<ClusterMembershipOptions>
{
    public const string Section = "Cluster:Liveness";

    public ValidateOptionsResult Validate(string? name, ClusterMembershipOptions options)
    {
        var failures = new OptionsFailures(Section)
            .Positive(nameof(options.ProbeTimeout), options.ProbeTimeout)
            .Positive(nameof(options.MinProbeTimeout), options.MinProbeTimeout)
            .Positive(nameof(options.MaxProbeTimeout), options.MaxProbeTimeout)
            .Positive(nameof(options.DeathVoteExpirationTimeout), options.DeathVoteExpirationTimeout)
            .Positive(nameof(options.TableRefreshTimeout), options.TableRefreshTimeout)
            .Positive(nameof(options.IAmAliveTablePublishTimeout), options.IAmAliveTablePublishTimeout)
            .Positive(nameof(options.NumMissedProbesLimit), options.NumMissedProbesLimit)
            .Positive(nameof(options.NumProbedSilos), options.NumProbedSilos)
            .Positive(nameof(options.NumVotesForDeathDeclaration), options.NumVotesForDeathDeclaration);
        if (options.MinProbeTimeout > options.MaxProbeTimeout)
        {
            failures.Add($"{failures.Key(nameof(options.MinProbeTimeout))} ({options.MinProbeTimeout}) must not be above {failures.Key(nameof(options.MaxProbeTimeout))} ({options.MaxProbeTimeout}).");
        }
        return failures.ToValidation();
    }
}
