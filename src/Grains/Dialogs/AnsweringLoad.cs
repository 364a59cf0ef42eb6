namespace ReplyX.Dialogs;

/// <summary>
/// How many of this silo's dialogs are answering right now (a question stored, its answer not yet stored).
/// Dialogs waiting to retry for a free AI key are not counted: they use nothing until their retry.
/// </summary>
public sealed class AnsweringLoad
{
    private int _active;

    public int Active => Volatile.Read(ref _active);

    public void Enter() => Interlocked.Increment(ref _active);

    public void Exit() => Interlocked.Decrement(ref _active);
}
