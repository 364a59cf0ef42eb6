using Microsoft.Extensions.Logging;

namespace ReplyX.Accounts;

[GenerateSerializer, Alias("ReplyX.Accounts.UserSessionState")]
public sealed class UserSessionState
{
    [Id(0)] public long Version { get; set; }
}

[GrainType("user-session")]
public sealed partial class UserSessionGrain(
    [PersistentState("user-session")] IPersistentState<UserSessionState> state,
    ILogger<UserSessionGrain> logger) : Grain, IUserSessionGrain
{
    public Task<long> Version() => Task.FromResult(state.State.Version);

    public async Task<long> Revoke(string reason)
    {
        state.State.Version++;
        await state.WriteStateAsync(); // written before anyone is told: a restart never brings an old version back
        LogRevoked(this.GetPrimaryKey(), reason, state.State.Version);
        return state.State.Version;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Access tokens of user {UserId} revoked ({Reason}); version now {Version}")]
    private partial void LogRevoked(Guid userId, string reason, long version);
}
