using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>Keeps every log entry at every level (Trace included): message, exception text and each structured value, arrays expanded.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Entries.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = $"{logLevel} {category} {eventId}: {formatter(state, exception)} {exception}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
                text += " | " + string.Join(", ", values.Select(v => $"{v.Key}={Expand(v.Value)}"));
            owner.Entries.Enqueue(text);
        }

        /// <summary>A structured value as sinks such as Serilog and OpenTelemetry render it: arrays and lists expanded.</summary>
        private static string? Expand(object? value) => value switch
        {
            null => null,
            string s => s,
            IEnumerable<KeyValuePair<string, object?>> pairs => "{" + string.Join(", ", pairs.Select(p => $"{p.Key}={Expand(p.Value)}")) + "}",
            System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Expand)) + "]",
            _ => value.ToString(),
        };
    }
}
