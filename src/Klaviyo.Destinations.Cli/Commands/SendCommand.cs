using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Klaviyo.Destinations.Cli.Input;
using Klaviyo.Destinations.Rules;
using Spectre.Console;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest send</c>: replay Segment-spec NDJSON through the library's mappers, rules, queue and sender.</summary>
internal static class SendCommand
{
    public const string Help = """
        Usage: klaviyo-dest send <file.ndjson | -> [options]

        Sends each line (a Segment-spec message: identify, track, page, screen, group, alias) to Klaviyo through the
        same mappers, rules, queue and sender as the library.

        Options:
          --api-key KEY         Klaviyo private key (default: $KLAVIYO_API_KEY)
          --base-url URL        Klaviyo address (default: $KLAVIYO_BASE_URL or https://a.klaviyo.com)
          --settings FILE       destination settings, JSON named exactly like KlaviyoDestinationOptions
          --queue-path FILE     keep accepted items in a durable queue; if the run dies, 'klaviyo-dest drain' sends them
                                (without it, items wait in memory: the checkpoint makes a run resumable)
          --backfill            set Klaviyo's backfill flag on events (recorded without triggering flows)
          --dry-run             no network: print every request that would be sent, one JSON object per line
          --no-batch            single endpoints only (profile-import, events)
          --strict              stop at the first bad line
          --checkpoint FILE     where progress is kept (default: <file>.checkpoint; none for stdin)
          --checkpoint-every N  flush and checkpoint every N lines (default 1000)
          --restart             ignore an existing checkpoint
          --limit N             process at most N lines (after the checkpoint), then stop
          --quiet               no progress bar

        Exit codes: 0 every line accepted and delivered, 1 some line rejected (reasons on stderr as
        {"line":N,"reason":"…"}), 2 usage or configuration error. A field left out or changed on an accepted line
        (an invalid phone, a trimmed email) is reported on stderr as {"line":N,"warning":"…","field":"…"}.

        Examples:
          klaviyo-dest send events.ndjson --dry-run > requests.ndjson
          klaviyo-dest send history.ndjson --backfill --settings klaviyo.json
          cat export.ndjson | klaviyo-dest send - --base-url http://127.0.0.1:5080 --api-key pk_test
        """;

    private static readonly string[] s_valued = ["--api-key", "--base-url", "--settings", "--checkpoint", "--checkpoint-every", "--limit", "--queue-path"];
    private static readonly string[] s_flags = ["--backfill", "--dry-run", "--no-batch", "--strict", "--restart", "--quiet", "--help", "-h"];

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var a = Arguments.Parse(args, s_valued, s_flags);
        if (a.Flag("--help") || a.Flag("-h"))
        {
            Console.Out.WriteLine(Help);
            return 0;
        }
        if (a.Positionals.Count != 1) throw new UsageException("send needs exactly one input: a file or '-' for standard input.");
        var input = a.Positionals[0];
        if (input != "-" && !File.Exists(input)) throw new UsageException($"Input file '{input}' does not exist.");

        var options = SettingsFile.Load(a.Value("--settings"));
        if (a.Flag("--no-batch")) options.DeliveryMode = DeliveryMode.LowLatency;
        if (a.Value("--queue-path") is { } queuePath) options.QueuePath = queuePath;
        // A run is resumable from its checkpoint; a durable queue only with --queue-path (or QueuePath in the settings).
        if (options.QueuePath is null) options.QueueStorage = QueueStorage.Memory;
        var dryRun = a.Flag("--dry-run");
        options.ApiKey = a.Value("--api-key") ?? Environment.GetEnvironmentVariable("KLAVIYO_API_KEY") ?? options.ApiKey;
        if (dryRun) options.ApiKey ??= "pk_dry_run";
        else if (string.IsNullOrWhiteSpace(options.ApiKey))
            throw new UsageException("No API key: pass --api-key or set KLAVIYO_API_KEY (use --dry-run to see the requests without sending).");
        if ((a.Value("--base-url") ?? Environment.GetEnvironmentVariable("KLAVIYO_BASE_URL")) is { Length: > 0 } url)
            options.BaseUrl = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : throw new UsageException($"--base-url '{UrlCredentials.Display(url)}' is not an absolute URL.");
        try
        {
            options.Validate();
        }
        catch (KlaviyoConfigurationException ex)
        {
            throw new UsageException(ex.Message);
        }

        var run = new Run(a, options, input);
        return dryRun ? await run.DryRunAsync(cancellationToken) : await run.SendAsync(cancellationToken);
    }

    private sealed class Run(Arguments a, KlaviyoDestinationOptions options, string input)
    {
        private readonly bool _strict = a.Flag("--strict");
        private readonly bool _backfill = a.Flag("--backfill");
        private readonly long? _limit = a.Number("--limit");
        private readonly object _errorGate = new();
        private long _rejectedLines;

        private TextReader Open() => input == "-" ? Console.In : new StreamReader(input);

        private readonly ConcurrentDictionary<(long Line, string Field, string Reason), bool> _warned = new();

        private void Reject(long line, string reason, string? field = null) => Report(line, "reason", reason, field);

        /// <summary>Prints each of a line's warnings once (an order's items, an identify and its list sign-up share them).</summary>
        private void Warn(long line, IReadOnlyList<Mapping.MappingIssue> warnings)
        {
            foreach (var warning in warnings)
                if (_warned.TryAdd((line, warning.Field, warning.Reason), true)) Report(line, "warning", warning.Reason, warning.Field);
        }

        private void Report(long line, string kind, string text, string? field)
        {
            lock (_errorGate)
            {
                using var json = new Utf8JsonWriter(Console.OpenStandardError(), new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                json.WriteStartObject();
                json.WriteNumber("line", line);
                json.WriteString(kind, text);
                if (field is not null) json.WriteString("field", field);
                json.WriteEndObject();
                json.Flush();
                Console.Error.WriteLine();
            }
        }

        public async Task<int> DryRunAsync(CancellationToken cancellationToken)
        {
            var mapper = new MessageMapper(options);
            var planner = new RequestPlanner(options);
            using var reader = Open();
            await using var stdout = Console.OpenStandardOutput();
            await using var buffered = new BufferedStream(stdout, 1 << 16);
            using var json = new Utf8JsonWriter(buffered);
            long number = 0, processed = 0;
            var anyRejected = false;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                if (_limit is { } limit && processed >= limit) break;
                processed++;
                var parsed = SegmentMessageReader.Parse(number, line, _backfill);
                if (parsed.Message is null)
                {
                    anyRejected = true;
                    Reject(number, parsed.Error!);
                    if (_strict) break;
                    continue;
                }
                var result = mapper.Map(parsed.Message);
                foreach (var rejection in result.Rejections)
                {
                    if (rejection.Status == DeliveryStatus.Skipped) continue;
                    anyRejected = true;
                    Reject(number, rejection.Reason ?? "rejected", rejection.Field);
                }
                foreach (var item in result.Items) Warn(number, item.Warnings);
                foreach (var rejection in result.Rejections) Warn(number, rejection.Warnings);
                foreach (var item in result.Items) RequestPlan.Write(planner.Add(item), json, buffered);
                if (_strict && anyRejected) break;
            }
            RequestPlan.Write(planner.Complete(), json, buffered);
            await buffered.FlushAsync(cancellationToken);
            return anyRejected ? 1 : 0;
        }

        public async Task<int> SendAsync(CancellationToken cancellationToken)
        {
            var checkpoint = a.Value("--checkpoint") is { } path ? new Checkpoint(path) : input == "-" ? null : new Checkpoint(input + ".checkpoint");
            if (a.Flag("--restart")) checkpoint?.Delete();
            var resumeAfter = checkpoint?.Read() ?? 0;
            var every = a.Number("--checkpoint-every") ?? 1000;
            if (every < 1) throw new UsageException("--checkpoint-every must be at least 1.");

            var lines = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var outcomes = new ConcurrentDictionary<DeliveryStatus, long>();
            var reasons = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            options.OnOutcome = outcome =>
            {
                outcomes.AddOrUpdate(outcome.Status, 1, (_, n) => n + 1);
                if (outcome.Warnings.Count > 0) Warn(lines.GetValueOrDefault(outcome.MessageId), outcome.Warnings);
                if (outcome.Status is DeliveryStatus.Rejected or DeliveryStatus.Expired)
                {
                    Interlocked.Increment(ref _rejectedLines);
                    reasons.AddOrUpdate(outcome.Reason ?? outcome.Status.ToString(), 1, (_, n) => n + 1);
                    Reject(lines.GetValueOrDefault(outcome.MessageId), $"{outcome.Status.ToString().ToLowerInvariant()}: {outcome.Reason}", outcome.Field);
                }
            };
            long retries = 0;
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "Klaviyo.Destinations" && instrument.Name == "klaviyo.destinations.retries") l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref retries, value));
            listener.Start();

            var started = Stopwatch.GetTimestamp();
            long number = 0, processed = 0, badLines = 0;
            var interactive = !a.Flag("--quiet") && !Console.IsOutputRedirected && input != "-";
            var total = interactive ? File.ReadLines(input).LongCount() : 0;
            await using (var analytics = new Analytics(options))
            {
                using var reader = Open();
                async Task Loop(Action<long>? progress)
                {
                    while (await reader.ReadLineAsync(cancellationToken) is { } line)
                    {
                        number++;
                        if (number <= resumeAfter || string.IsNullOrWhiteSpace(line)) continue;
                        if (_limit is { } limit && processed >= limit) { number--; break; }
                        processed++;
                        var parsed = SegmentMessageReader.Parse(number, line, _backfill);
                        if (parsed.Message is null)
                        {
                            badLines++;
                            Reject(number, parsed.Error!);
                            if (_strict) break;
                        }
                        else
                        {
                            lines[parsed.Message.MessageId] = number;
                            analytics.Send(parsed.Message);
                        }
                        progress?.Invoke(number);
                        if (processed % every == 0)
                        {
                            await analytics.FlushAsync(cancellationToken);
                            checkpoint?.Write(number);
                            if (_strict && Interlocked.Read(ref _rejectedLines) > 0) break;
                        }
                    }
                    await analytics.FlushAsync(cancellationToken);
                    checkpoint?.Write(number);
                }

                if (interactive)
                {
                    await AnsiConsole.Progress()
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                        .StartAsync(async ctx =>
                        {
                            var task = ctx.AddTask("Sending", maxValue: Math.Max(1, total - resumeAfter));
                            await Loop(n =>
                            {
                                task.Value = n - resumeAfter;
                                var rate = processed / Math.Max(0.001, Stopwatch.GetElapsedTime(started).TotalSeconds);
                                task.Description = $"Sending [grey]{rate:N0} msg/s[/]";
                            });
                        });
                }
                else
                {
                    await Loop(null);
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            Console.Out.WriteLine($"Processed {processed:N0} lines (resumed after line {resumeAfter:N0}) in {elapsed.TotalSeconds:N1} s: " +
                $"{outcomes.GetValueOrDefault(DeliveryStatus.Delivered):N0} delivered, {outcomes.GetValueOrDefault(DeliveryStatus.Rejected):N0} rejected, " +
                $"{outcomes.GetValueOrDefault(DeliveryStatus.Expired):N0} expired, {outcomes.GetValueOrDefault(DeliveryStatus.Skipped):N0} skipped, " +
                $"{badLines:N0} bad lines, {Interlocked.Read(ref retries):N0} retries.");
            foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value).Take(5))
                Console.Out.WriteLine($"  {count,6:N0} × {reason}");
            return badLines > 0 || Interlocked.Read(ref _rejectedLines) > 0 ? 1 : 0;
        }
    }
}
