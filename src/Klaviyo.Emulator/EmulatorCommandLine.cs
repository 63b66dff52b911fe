using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Klaviyo.Emulator;

/// <summary>
/// The emulator's command line (System.CommandLine), shared by <c>dotnet run --project src/Klaviyo.Emulator</c> and
/// <c>klaviyo-dest emulator</c>: the same options, help, <c>--version</c>, completions and exit codes (2 on usage errors).
/// </summary>
public static class EmulatorCommandLine
{
    private static readonly Option<int> s_port = Whole(new("--port") { Description = "TCP port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 5080 }, 0, 65535);
    private static readonly Option<string> s_rateLimits = new Option<string>("--rate-limits") { Description = "enforce the spec's rate tiers (real) or not (off)", DefaultValueFactory = _ => "real", HelpName = "off|real" }.AcceptOnlyFromAmong("off", "real", "on");
    private static readonly Option<double> s_timeScale = Number(new("--time-scale") { Description = "emulated seconds per real second (60 = a minute per second)", DefaultValueFactory = _ => 1 }, v => v > 0, "a positive number");
    private static readonly Option<double> s_jobDelayMs = Number(new("--job-delay-ms") { Description = "emulated delay before bulk jobs complete" }, v => v >= 0, "a number ≥ 0");
    private static readonly Option<double> s_failRate = Number(new("--fail-rate") { Description = "fraction 0..1 of requests answered with --fail-status" }, v => v is >= 0 and <= 1, "a fraction between 0 and 1");
    private static readonly Option<int> s_failStatus = new Option<int>("--fail-status") { Description = "500, 502, 503 or 504", DefaultValueFactory = _ => 503 }.AcceptOnlyFromAmong("500", "502", "503", "504");
    private static readonly Option<double> s_latencyMs = Number(new("--latency-ms") { Description = "delay added to every API request" }, v => v >= 0, "a number ≥ 0");
    private static readonly Option<double> s_resetRate = Number(new("--reset-rate") { Description = "fraction 0..1 of connections aborted" }, v => v is >= 0 and <= 1, "a fraction between 0 and 1");
    private static readonly Option<double> s_downSeconds = Number(new("--down-seconds") { Description = "answer 503 for the first N seconds" }, v => v >= 0, "a number ≥ 0");
    private static readonly Option<string[]> s_apiKeys = new("--api-key") { Description = "accept only this key (repeatable; default: any non-empty key)", HelpName = "KEY" };
    private static readonly Option<string[]> s_lists = new("--list") { Description = "create a list with a fixed id (repeatable)", HelpName = "ID=NAME" };
    private static readonly Option<string[]> s_forbiddenApiKeys = new("--forbidden-api-key") { Description = "answer this key with 403 permission_denied (repeatable)", HelpName = "KEY" };
    private static readonly Option<bool> s_autoConfirm = new("--auto-confirm-double-opt-in") { Description = "double opt-in subscriptions take effect at once (default: pending until POST /_emulator/confirm, like live Klaviyo)" };
    private static readonly Option<string> s_importErrorPointers = new Option<string>("--import-error-pointers") { Description = "how import-error rows point at the profile", DefaultValueFactory = _ => "request", HelpName = "request|row|none" }.AcceptOnlyFromAmong("request", "row", "none");
    private static readonly Option<int?> s_seed = new("--seed") { Description = "seed for ids and fault dice", CustomParser = r => int.TryParse(r.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : Error<int?>(r, "a whole number") };

    /// <summary>Parses <paramref name="args"/> (see <c>--help</c>), runs the emulator until Ctrl+C or SIGTERM, and returns the exit code (2 on usage errors).</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Klaviyo emulator (revision " + KlaviyoEmulatorOptions.SpecRevision + ") on 127.0.0.1");
        Configure(root);
        return InvokeAsync(root, args, "klaviyo-emulator");
    }

    /// <summary>The <c>emulator</c> command (<c>klaviyo-dest emulator</c>).</summary>
    internal static Command CreateCommand(string name)
    {
        var command = new Command(name, "run the local Klaviyo emulator (revision " + KlaviyoEmulatorOptions.SpecRevision + ") on 127.0.0.1");
        Configure(command);
        return command;
    }

    /// <summary>
    /// Parses and runs <paramref name="root"/> the way both programs do: usage errors print the errors and a pointer to
    /// <c>--help</c> on stderr and return 2; no arguments at all prints the help and returns 2.
    /// </summary>
    internal static async Task<int> InvokeAsync(RootCommand root, string[] args, string programName, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
        if (args.Length == 0 && root.Subcommands.Count > 0)
        {
            await root.Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = Console.Error }, cancellationToken).ConfigureAwait(false);
            return 2;
        }
        var result = root.Parse(args);
        if (result.Action is ParseErrorAction)
        {
            foreach (var error in result.Errors) await Console.Error.WriteLineAsync($"{programName}: {error.Message}").ConfigureAwait(false);
            var path = string.Join(' ', CommandPath(result.CommandResult).Prepend(programName));
            await Console.Error.WriteLineAsync($"Run '{path} --help' for usage.").ConfigureAwait(false);
            return 2;
        }
        return await result.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<string> CommandPath(CommandResult? command)
    {
        var names = new Stack<string>();
        for (var c = command; c?.Parent is CommandResult parent; c = parent) names.Push(c.Command.Name);
        return names;
    }

    private static void Configure(Command command)
    {
        foreach (var option in new Option[] { s_port, s_rateLimits, s_timeScale, s_jobDelayMs, s_failRate, s_failStatus, s_latencyMs, s_resetRate, s_downSeconds, s_apiKeys, s_lists, s_forbiddenApiKeys, s_autoConfirm, s_importErrorPointers, s_seed })
            command.Options.Add(option);
        command.SetAction(async (result, cancellationToken) =>
        {
            var options = OptionsFrom(result);
            KlaviyoEmulator emulator;
            try
            {
                emulator = await KlaviyoEmulator.StartAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"Cannot listen on 127.0.0.1:{options.Port}: {ex.Message} Pick another --port (0 = any free port).").ConfigureAwait(false);
                return 1;
            }
            await using var running = emulator;
            Console.WriteLine($"Klaviyo emulator listening on {emulator.BaseAddress} (rate limits {(options.RateLimitsEnabled ? "real" : "off")}, time scale {options.TimeScale.ToString(CultureInfo.InvariantCulture)})");
            Console.WriteLine($"State: {emulator.BaseAddress}_emulator/state  ·  page: {emulator.BaseAddress}  ·  Ctrl+C to stop");
            try
            {
                await emulator.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C or SIGTERM: a normal stop.
            }
            return 0;
        });
    }

    /// <summary>The emulator settings a parsed command line asks for.</summary>
    internal static KlaviyoEmulatorOptions OptionsFrom(ParseResult result)
    {
        var options = new KlaviyoEmulatorOptions
        {
            Port = result.GetValue(s_port),
            RateLimitsEnabled = result.GetValue(s_rateLimits) != "off",
            TimeScale = result.GetValue(s_timeScale),
            JobDelay = TimeSpan.FromMilliseconds(result.GetValue(s_jobDelayMs)),
            RandomSeed = result.GetValue(s_seed),
            AutoConfirmDoubleOptIn = result.GetValue(s_autoConfirm),
            ImportErrorShape = result.GetValue(s_importErrorPointers) switch
            {
                "row" => ImportErrorShape.RowPointer,
                "none" => ImportErrorShape.Bare,
                _ => ImportErrorShape.RequestPointer,
            },
        };
        foreach (var key in result.GetValue(s_forbiddenApiKeys) ?? [])
            options.ForbiddenApiKeys.Add(key);
        foreach (var key in result.GetValue(s_apiKeys) ?? [])
            (options.ValidApiKeys ??= new HashSet<string>(StringComparer.Ordinal)).Add(key);
        foreach (var list in result.GetValue(s_lists) ?? [])
        {
            var pair = list.Split('=', 2);
            options.Lists[pair[0]] = pair.Length > 1 ? pair[1] : pair[0];
        }
        var faults = EmulatorFaults.None with
        {
            FailureRate = result.GetValue(s_failRate),
            FailureStatusCode = result.GetValue(s_failStatus),
            Latency = TimeSpan.FromMilliseconds(result.GetValue(s_latencyMs)),
            ResetRate = result.GetValue(s_resetRate),
        };
        if (result.GetValue(s_downSeconds) is > 0 and var down)
            faults = faults with { DownUntil = options.TimeProvider.GetUtcNow().AddSeconds(down) };
        options.Faults = faults;
        return options;
    }

    /// <summary>A number option whose errors name the option and what it needs (never a .NET type).</summary>
    internal static Option<double> Number(Option<double> option, Func<double, bool> valid, string what)
    {
        option.CustomParser = result =>
            double.TryParse(result.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && valid(value)
                ? value
                : Error<double>(result, what);
        return option;
    }

    /// <summary>A whole-number option in [<paramref name="min"/>, <paramref name="max"/>] whose errors name the option and the range.</summary>
    internal static Option<int> Whole(Option<int> option, int min, int max)
    {
        option.CustomParser = result =>
            int.TryParse(result.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : Error<int>(result, $"a whole number from {min} to {max}");
        return option;
    }

    private static T Error<T>(ArgumentResult result, string what)
    {
        var name = result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
        result.AddError($"{name} must be {what}, not '{result.Tokens[0].Value}'.");
        return default!;
    }
}
