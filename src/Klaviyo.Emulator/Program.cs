namespace Klaviyo.Emulator;

/// <summary>Standalone entry point: <c>dotnet run --project src/Klaviyo.Emulator -- --port 5080</c>.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => EmulatorCommandLine.RunAsync(args);

    /// <summary>
    /// Parses the emulator's options as both command lines do (for tests): throws <see cref="ArgumentException"/> with
    /// the parser's messages when the command line cannot be run.
    /// </summary>
    internal static KlaviyoEmulatorOptions Parse(string[] args)
    {
        var command = EmulatorCommandLine.CreateCommand("klaviyo-emulator");
        var result = command.Parse(args);
        if (result.Errors.Count > 0) throw new ArgumentException(string.Join(Environment.NewLine, result.Errors.Select(e => e.Message)));
        return EmulatorCommandLine.OptionsFrom(result);
    }
}
