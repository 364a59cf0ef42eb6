using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ReplyX.Bench;

/// <summary>
/// A log provider that writes nothing: it counts the silo's warnings and errors by category, level and event
/// id, and keeps the first message of each as a sample, so a benchmark can say what went wrong and how often
/// without printing every entry.
/// </summary>
public sealed class LogTally : ILoggerProvider
{
    private readonly ConcurrentDictionary<(string Category, LogLevel Level, int EventId), Entry> _entries = new();

    public sealed record Count(string Category, LogLevel Level, int EventId, int Times, string Sample);

    private sealed class Entry
    {
        public int Times;
        public string Sample = "";
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public Dictionary<(string Category, LogLevel Level, int EventId), int> Snapshot() => _entries.ToDictionary(e => e.Key, e => Volatile.Read(ref e.Value.Times));

    /// <summary>What was logged since <paramref name="before"/>, most frequent first.</summary>
    public IReadOnlyList<Count> Since(Dictionary<(string Category, LogLevel Level, int EventId), int> before) =>
        _entries.Select(e => new Count(e.Key.Category, e.Key.Level, e.Key.EventId, Volatile.Read(ref e.Value.Times) - before.GetValueOrDefault(e.Key), e.Value.Sample))
            .Where(c => c.Times > 0).OrderByDescending(c => c.Times).ToArray();

    public int Errors => _entries.Where(e => e.Key.Level >= LogLevel.Error).Sum(e => Volatile.Read(ref e.Value.Times));

    public void Dispose()
    {
    }

    private sealed class Logger(LogTally tally, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var entry = tally._entries.GetOrAdd((category, logLevel, eventId.Id), _ => new Entry());
            if (Interlocked.Increment(ref entry.Times) == 1)
            {
                var text = formatter(state, exception) + (exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]");
                entry.Sample = text.Length > 300 ? text[..300] + "…" : text;
            }
        }
    }
}
