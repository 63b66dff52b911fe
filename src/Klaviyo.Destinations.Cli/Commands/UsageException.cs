namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>A command line that cannot be run as written (exit code 2).</summary>
internal sealed class UsageException(string message) : Exception(message);
