namespace ReplyX.Hosting;

/// <summary>
/// Whether grain state outlives this process. With memory storage in a single process
/// (<see cref="DeploymentShape.IsSingleProcessInMemory"/>) nothing does, so writing pending state at
/// shutdown is work for nothing; in any other shape another silo or the database keeps it.
/// </summary>
public sealed record StateDurability(bool LostAtShutdown);
