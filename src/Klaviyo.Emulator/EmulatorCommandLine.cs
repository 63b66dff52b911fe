using System.Globalization;

namespace Klaviyo.Emulator;

/// <summary>The emulator's command line, shared by <c>dotnet run --project src/Klaviyo.Emulator</c> and <c>klaviyo-dest emulator</c>.</summary>
public static class EmulatorCommandLine
{
    /// <summary>Parses <paramref name="args"/> (see <c>--help</c>), runs the emulator until Ctrl+C, and returns the exit code (2 on usage errors).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        KlaviyoEmulatorOptions options;
        try
        {
            options = Program.Parse(args);
        }
        catch (Program.HelpRequestedException)
        {
            Console.WriteLine(Program.Usage);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Environment.NewLine + Program.Usage);
            return 2;
        }

        await using var emulator = await KlaviyoEmulator.StartAsync(options);
        Console.WriteLine($"Klaviyo emulator listening on {emulator.BaseAddress} (rate limits {(options.RateLimitsEnabled ? "real" : "off")}, time scale {options.TimeScale.ToString(CultureInfo.InvariantCulture)})");
        Console.WriteLine($"State: {emulator.BaseAddress}_emulator/state  ·  page: {emulator.BaseAddress}  ·  Ctrl+C to stop");
        await emulator.WaitForShutdownAsync();
        return 0;
    }
}
