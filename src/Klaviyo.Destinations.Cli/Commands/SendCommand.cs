using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Klaviyo.Destinations.Cli.Input;
using Klaviyo.Destinations.MParticle;
using Klaviyo.Destinations.Rules;
using Spectre.Console;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest send</c>: replay Segment-spec NDJSON through the library's mappers, rules, queue and sender.</summary>
internal static class SendCommand
{
    private const string Description = """
        send (or --dry-run) each line of NDJSON: a Segment-spec message (identify, track, page, screen, group, alias) or
        consent, delete, audience_entered, audience_exited; through the same mappers, rules, queue and sender as the library.
        With --format mparticle the input holds mParticle Events API batches (user_attributes, user_identities, consent_state,
        events[]): one per line, or a (pretty-printed) JSON document - one batch, several, or an array of them - read one
        batch at a time; each event is accepted or rejected on its own, reported with the line its batch starts on.
        Rejected lines and warnings (a field left out or changed on an accepted line: an invalid phone, a trimmed email) go to
        stderr as {"line":N,"reason"|"warning":…,"field":…}, then one {"summary":{…}} line.
        Exit codes: 0 every line accepted and delivered, 1 some line rejected, 2 usage or configuration error,
        130/143 stopped by SIGINT/SIGTERM (the checkpoint is written; run the same command again to resume).
        """;

    /// <summary>How long a stopped run waits for what it already sent before it writes its checkpoint.</summary>
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(20);

    public static Command Create(StopSignal stop, string[] commandLine)
    {
        var input = new Argument<string>("input") { Description = "the NDJSON file, or - for standard input" };
        var format = new Option<string>("--format") { Description = "what each line holds: segment (a Segment-spec message) or mparticle (an mParticle Events API batch)", DefaultValueFactory = _ => "segment", HelpName = "segment|mparticle" };
        format.AcceptOnlyFromAmong("segment", "mparticle");
        var environments = new Option<string>("--mparticle-environments") { Description = "with --format mparticle: which environments' batches are sent (the others are skipped with a warning)", DefaultValueFactory = _ => "all", HelpName = "all|production|development" };
        environments.AcceptOnlyFromAmong("all", "production", "development");
        var settings = new SettingsOptions();
        var queuePath = new Option<string?>("--queue-path") { Description = "keep accepted items in a durable queue; if the run dies, 'klaviyo-dest drain' sends them (default: in memory, the checkpoint makes a run resumable)", HelpName = "FILE" };
        var backfill = new Option<bool>("--backfill") { Description = "set Klaviyo's backfill flag on events (recorded without triggering flows)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "no network: print every request that would be sent, one JSON object per line" };
        var noBatch = new Option<bool>("--no-batch") { Description = "single endpoints only (profile-import, events)" };
        var strict = new Option<bool>("--strict") { Description = "stop at the first bad line" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "where progress is kept (default: <file>.checkpoint; none for stdin)", HelpName = "FILE" };
        var every = new Option<long>("--checkpoint-every") { Description = "flush and checkpoint every N lines", DefaultValueFactory = _ => 1000, HelpName = "N", CustomParser = r => WholeNumber(r, min: 1) };
        var restart = new Option<bool>("--restart") { Description = "ignore an existing checkpoint" };
        var limit = new Option<long?>("--limit") { Description = "process at most N lines (after the checkpoint), then stop", HelpName = "N", CustomParser = r => WholeNumber(r, min: 0) };
        var quiet = new Option<bool>("--quiet") { Description = "no progress bar" };
        var redis = new Option<string?>("--redis") { Description = "share the account's rate budget with other workers through Redis (a StackExchange.Redis configuration string, e.g. localhost:6379); see docs/scale-out.md", HelpName = "CONFIG" };
        var shard = new Option<string?>("--shard") { Description = "send only this worker's share of the lines (each person's lines go to one worker); use with --redis so that the workers share one budget", HelpName = "K/N" };

        var command = new Command("send", Description) { input };
        settings.AddTo(command);
        foreach (var option in new Option[] { format, environments, queuePath, backfill, dryRun, noBatch, strict, checkpoint, every, restart, limit, quiet, redis, shard }) command.Options.Add(option);
        command.SetAction(async (result, _) =>
        {
            var file = result.GetValue(input)!;
            if (file != "-" && !File.Exists(file)) throw new UsageException($"Input file '{file}' does not exist.");
            var isDryRun = result.GetValue(dryRun);
            var extra = new List<(string, string?)>();
            if (result.GetValue(noBatch)) extra.Add(("DeliveryMode", nameof(DeliveryMode.LowLatency)));
            if (result.GetValue(queuePath) is { } path) extra.Add(("QueuePath", path));
            var options = settings.Load(result, [.. extra]);
            // A run is resumable from its checkpoint; a durable queue only with --queue-path (or QueuePath in the settings).
            if (options.QueuePath is null) options.QueueStorage = QueueStorage.Memory;
            if (isDryRun && string.IsNullOrWhiteSpace(options.ApiKey)) options.ApiKey = "pk_dry_run";
            SettingsOptions.Validate(options);
            var workers = result.GetValue(shard) is { } shardText ? Shard.Parse(shardText) : new Shard(1, 1);
            await using var sharedBudget = isDryRun ? null : await SharedBudget.ConnectAsync(result.GetValue(redis), options, workers);

            var run = new Run(options, file, stop, commandLine)
            {
                Shard = workers,
                MParticle = result.GetValue(format) == "mparticle",
                Environments = result.GetValue(environments) switch { "production" => MParticleEnvironments.Production, "development" => MParticleEnvironments.Development, _ => MParticleEnvironments.All },
                Strict = result.GetValue(strict),
                Backfill = result.GetValue(backfill),
                Limit = result.GetValue(limit),
                Quiet = result.GetValue(quiet),
                Every = result.GetValue(every),
                Restart = result.GetValue(restart),
                CheckpointPath = result.GetValue(checkpoint),
            };
            return isDryRun ? await run.DryRunAsync() : await run.SendAsync();
        });
        return command;
    }

    private static long WholeNumber(System.CommandLine.Parsing.ArgumentResult result, long min)
    {
        var text = result.Tokens[0].Value;
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min) return n;
        var name = result.Parent is System.CommandLine.Parsing.OptionResult o ? o.Option.Name : result.Argument.Name;
        result.AddError($"{name} must be a whole number ≥ {min}, not '{text}'.");
        return min;
    }

    private sealed class Run(KlaviyoDestinationOptions options, string input, StopSignal stop, string[] commandLine)
    {
        public bool MParticle { get; init; }
        public MParticleEnvironments Environments { get; init; } = MParticleEnvironments.All;
        public bool Strict { get; init; }
        public bool Backfill { get; init; }
        public long? Limit { get; init; }
        public bool Quiet { get; init; }
        public long Every { get; init; } = 1000;
        public bool Restart { get; init; }
        public string? CheckpointPath { get; init; }
        public Shard Shard { get; init; } = new(1, 1);

        private readonly LineReport _report = new();
        private long _rejectedLines;

        private async Task<IInputReader> OpenAsync(long offset, long line)
        {
            if (MParticle)
                return input == "-"
                    ? new MParticleInput(new JsonValueReader(Console.OpenStandardInput()))
                    : await MParticleInput.OpenAsync(input, offset, line, stop.Token);
            if (input == "-") return new LineInput(new NdjsonLineReader(Console.OpenStandardInput()));
            var stream = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
            stream.Position = offset;
            return new LineInput(new NdjsonLineReader(stream, offset));
        }

        /// <summary>The messages of one record: one for a Segment message, one per part (identify, consent, events) for an mParticle batch.</summary>
        private IReadOnlyList<SegmentLine> ParseLine(InputRead read) => read.Error is { } error
            ? [new SegmentLine(read.Line, null, error)]
            : MParticle ? MParticleLines.Parse(read.Line, read.Text!, new MParticleReadOptions { Backfill = Backfill, Environments = Environments })
            : [SegmentMessageReader.Parse(read.Line, read.Text!, Backfill)];

        public async Task<int> DryRunAsync()
        {
            var mapper = new MessageMapper(options);
            var planner = new RequestPlanner(options);
            using var reader = await OpenAsync(0, 0);
            await using var stdout = Console.OpenStandardOutput();
            await using var buffered = new BufferedStream(stdout, 1 << 16);
            using var json = new Utf8JsonWriter(buffered);
            long number = 0, processed = 0, requests = 0, items = 0;
            var anyRejected = false;
            var warned = new HashSet<(string, string)>();
            while (!stop.Token.IsCancellationRequested && !(Limit is { } limit && processed >= limit) && await reader.ReadAsync(number, stop.Token) is { End: false } read)
            {
                number = read.LastLine;
                if (read.Error is null && string.IsNullOrWhiteSpace(read.Text)) continue;
                processed++;
                var lineRejected = false;
                warned.Clear();
                foreach (var parsed in ParseLine(read))
                {
                if (parsed.Skipped)
                {
                    _report.Warn(parsed.Number, parsed.Error!, "environment");
                    continue;
                }
                if (parsed.Message is null)
                {
                    anyRejected = lineRejected = true;
                    _report.Reject(parsed.Number, parsed.Error!);
                    continue;
                }
                var result = mapper.Map(parsed.Message);
                foreach (var rejection in result.Rejections)
                {
                    if (rejection.Status == DeliveryStatus.Skipped) continue;
                    anyRejected = lineRejected = true;
                    _report.Reject(read.Line, rejection.Reason ?? "rejected", rejection.Field);
                }
                foreach (var item in result.Items)
                {
                    foreach (var warning in item.Warnings)
                        if (warned.Add((warning.Field, warning.Reason))) _report.Warn(read.Line, warning.Reason, warning.Field);
                    items++;
                    requests += RequestPlan.Write(planner.Add(item), json, buffered);
                }
                foreach (var rejection in result.Rejections)
                    foreach (var warning in rejection.Warnings)
                        if (warned.Add((warning.Field, warning.Reason))) _report.Warn(read.Line, warning.Reason, warning.Field);
                }
                if (lineRejected) Interlocked.Increment(ref _rejectedLines);
                if (Strict && anyRejected) break;
            }
            requests += RequestPlan.Write(planner.Complete(), json, buffered);
            await buffered.FlushAsync();
            _report.Summary([("lines", processed), ("rejected_lines", Interlocked.Read(ref _rejectedLines)), ("warnings", _report.Warnings),
                ("items", items), ("requests", requests), ("bytes_read", reader.Position), ("peak_rss_bytes", PeakRss())]);
            if (stop.Received is not null)
            {
                await Console.Error.WriteLineAsync($"klaviyo-dest: stopped by {stop.Name} after line {number:N0}; the requests of the lines read so far are printed.");
                return stop.ExitCode;
            }
            return anyRejected ? 1 : 0;
        }

        public async Task<int> SendAsync()
        {
            if (input == "-" && CheckpointPath is not null)
                throw new UsageException("--checkpoint needs a file input: standard input cannot be read again, so a run from it cannot resume.");
            var checkpoint = CheckpointPath is { } path ? new Checkpoint(path) : input == "-" ? null : new Checkpoint(Shard.CheckpointPath(input));
            if (Restart) checkpoint?.Delete();
            var fingerprint = input == "-" ? null : Checkpoint.Fingerprint(input);
            var (resumeAfter, resumeOffset) = checkpoint is null ? (0, 0) : checkpoint.Read(input, fingerprint!);

            // Message id → input line, for outcomes (which arrive later, on the sender's thread). Every checkpoint waits
            // until all sent messages have their outcome, then clears it: it never holds more than --checkpoint-every lines.
            var lines = new ConcurrentDictionary<string, SentLine>(StringComparer.Ordinal);
            var outcomes = new ConcurrentDictionary<DeliveryStatus, long>();
            var reasons = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            options.OnOutcome = outcome =>
            {
                outcomes.AddOrUpdate(outcome.Status, 1, (_, n) => n + 1);
                var sent = lines.GetValueOrDefault(outcome.MessageId);
                foreach (var warning in outcome.Warnings)
                    if (sent?.FirstWarning(warning.Field, warning.Reason) ?? true) _report.Warn(sent?.Line ?? 0, warning.Reason, warning.Field);
                if (outcome.Status is DeliveryStatus.Rejected or DeliveryStatus.Expired)
                {
                    Interlocked.Increment(ref _rejectedLines);
                    var reason = outcome.Reason ?? outcome.Status.ToString();
                    if (reasons.Count < 1000 || reasons.ContainsKey(reason)) reasons.AddOrUpdate(reason, 1, (_, n) => n + 1);
                    _report.Reject(sent?.Line ?? 0, $"{outcome.Status.ToString().ToLowerInvariant()}: {outcome.Reason}", outcome.Field);
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
            long number = resumeAfter, processed = 0, badLines = 0, checkpointed = resumeAfter;
            var interactive = !Quiet && !Console.IsOutputRedirected && input != "-";
            var flushedAtStop = false;
            using var reader = await OpenAsync(resumeOffset, resumeAfter);
            await using (var analytics = new Analytics(options))
            {
                async Task<bool> FlushAndCheckpointAsync(CancellationToken token)
                {
                    try
                    {
                        await analytics.FlushAsync(token);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        return false;
                    }
                    checkpoint?.Write(input, fingerprint!, number, reader.Position);
                    checkpointed = number;
                    lines.Clear();
                    return true;
                }

                async Task Loop(Action? progress)
                {
                    while (!stop.Token.IsCancellationRequested && !(Limit is { } limit && processed >= limit))
                    {
                        var read = await reader.ReadAsync(number, stop.Token);
                        if (read.End) break;
                        number = read.LastLine;
                        if (read.Error is null && string.IsNullOrWhiteSpace(read.Text)) continue;
                        var parts = ParseLine(read);
                        if (!Shard.Owns(number, parts.Count > 0 ? parts[0].Message : null)) continue;
                        processed++;
                        var badLine = false;
                        SentLine? sentLine = null;
                        foreach (var parsed in parts)
                        {
                            if (parsed.Skipped)
                            {
                                _report.Warn(parsed.Number, parsed.Error!, "environment");
                            }
                            else if (parsed.Message is null)
                            {
                                badLine = true;
                                _report.Reject(parsed.Number, parsed.Error!);
                            }
                            else
                            {
                                lines[parsed.Message.MessageId] = sentLine ??= new SentLine(parsed.Number);
                                analytics.Send(parsed.Message);
                            }
                        }
                        if (badLine)
                        {
                            badLines++;
                            if (Strict) break;
                        }
                        progress?.Invoke();
                        if (processed % Every == 0)
                        {
                            if (!await FlushAndCheckpointAsync(stop.Token)) break;
                            if (Strict && Interlocked.Read(ref _rejectedLines) > 0) break;
                        }
                    }
                }

                try
                {
                    if (interactive)
                    {
                        await AnsiConsole.Progress()
                            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                            .StartAsync(async ctx =>
                            {
                                var task = ctx.AddTask("Sending", maxValue: Math.Max(1, fingerprint!.Size - resumeOffset));
                                await Loop(() =>
                                {
                                    task.Value = reader.Position - resumeOffset;
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
                catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
                {
                    // Stopped while reading standard input: what was read is flushed below.
                }

                if (stop.Received is null)
                {
                    await FlushAndCheckpointAsync(CancellationToken.None);
                }
                else
                {
                    // Stopped by a signal: give what was already sent a bounded time to finish, so the checkpoint can
                    // cover every line read; otherwise keep the last one (the rest is sent again on resume, and its
                    // deterministic unique ids keep Klaviyo from counting events twice).
                    using var grace = new CancellationTokenSource(s_stopGrace);
                    flushedAtStop = await FlushAndCheckpointAsync(grace.Token);
                }
            }

            var elapsed = Stopwatch.GetElapsedTime(started);
            Console.Out.WriteLine($"Processed {processed:N0} lines (resumed after line {resumeAfter:N0}) in {elapsed.TotalSeconds:N1} s: " +
                $"{outcomes.GetValueOrDefault(DeliveryStatus.Delivered):N0} delivered, {outcomes.GetValueOrDefault(DeliveryStatus.Rejected):N0} rejected, " +
                $"{outcomes.GetValueOrDefault(DeliveryStatus.Expired):N0} expired, {outcomes.GetValueOrDefault(DeliveryStatus.Skipped):N0} skipped, " +
                $"{badLines:N0} bad lines, {Interlocked.Read(ref retries):N0} retries.");
            foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value).Take(5))
                Console.Out.WriteLine($"  {count,6:N0} × {reason}");
            _report.Summary([("lines", processed), ("resumed_after_line", resumeAfter), ("last_line", checkpointed),
                ("delivered", outcomes.GetValueOrDefault(DeliveryStatus.Delivered)), ("rejected", outcomes.GetValueOrDefault(DeliveryStatus.Rejected)),
                ("expired", outcomes.GetValueOrDefault(DeliveryStatus.Expired)), ("skipped", outcomes.GetValueOrDefault(DeliveryStatus.Skipped)),
                ("bad_lines", badLines), ("warnings", _report.Warnings), ("retries", Interlocked.Read(ref retries)),
                ("bytes_read", reader.Position), ("peak_rss_bytes", PeakRss())]);

            if (stop.Received is not null)
            {
                var where = checkpoint is null
                    ? "standard input has no checkpoint"
                    : $"checkpoint '{checkpoint.Path}' is at line {checkpointed:N0}{(flushedAtStop ? " (every line read was delivered)" : $" (lines after it were sent but not confirmed within {s_stopGrace.TotalSeconds:N0} s; they are sent again on resume)")}";
                await Console.Error.WriteLineAsync($"klaviyo-dest: stopped by {stop.Name} after line {number:N0}; {where}.");
                if (checkpoint is not null)
                    await Console.Error.WriteLineAsync($"Resume with: klaviyo-dest {string.Join(' ', commandLine.Where(a => a != "--restart").Select(Quote))}");
                return stop.ExitCode;
            }
            return badLines > 0 || Interlocked.Read(ref _rejectedLines) > 0 ? 1 : 0;
        }

        private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or '=' or ',' or '@')
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>The peak resident set size of this process (VmHWM on Linux).</summary>
    internal static long PeakRss()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>A sent line, and the warnings already printed for it (its parts often share one).</summary>
    private sealed class SentLine(long line)
    {
        private HashSet<(string, string)>? _warned;

        public long Line { get; } = line;

        public bool FirstWarning(string field, string reason)
        {
            lock (this) return (_warned ??= []).Add((field, reason));
        }
    }
}
