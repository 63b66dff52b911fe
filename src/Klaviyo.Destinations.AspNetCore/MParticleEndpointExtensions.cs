using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.MParticle;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Klaviyo.Destinations.AspNetCore;

/// <summary>Maps the endpoint that receives mParticle's Webhook output (its event batches) and sends them to Klaviyo.</summary>
public static class MParticleEndpointExtensions
{
    /// <summary>
    /// Maps <c>POST <paramref name="pattern"/></c> for mParticle's Webhook output: each request body holds an event batch
    /// (or an array of batches, or several; pretty-printed or not), read one batch at a time with
    /// <see cref="MParticleBatchReader"/> and handed to the app's <see cref="Analytics"/> — the Klaviyo rules, the durable
    /// queue, pausing and delivery apply as to any call. Answers:
    /// <list type="bullet">
    /// <item><b>202</b> every part accepted (safe in the queue: on disk with a durable queue); nothing is retried.</item>
    /// <item><b>400</b> some parts refused: the body lists each with its reason; the other parts were accepted and are
    /// delivered. A body that is not readable JSON is refused whole and nothing of it is sent.</item>
    /// <item><b>401</b> the <c>Authorization</c> header is missing or wrong; nothing is read.</item>
    /// <item><b>413</b> the body is larger than <see cref="MParticleEndpointOptions.MaxRequestBodyBytes"/>; nothing is sent.</item>
    /// <item><b>503</b> the app is shutting down; mParticle retries, and the deterministic event ids keep Klaviyo from counting twice.</item>
    /// </list>
    /// Register <c>AddKlaviyoDestinations</c> (and <see cref="MParticleServiceCollectionExtensions.AddMParticleBatches"/> for
    /// the rules' reasons in 400 answers). Fails at startup when <see cref="MParticleEndpointOptions.AuthorizationHeader"/>
    /// is missing.
    /// </summary>
    public static IEndpointConventionBuilder MapMParticleBatches(this IEndpointRouteBuilder endpoints, string pattern, Action<MParticleEndpointOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new MParticleEndpointOptions();
        configure(options);
        options.Validate();
        var handler = new MParticleBatchHandler(options, endpoints.ServiceProvider);
        return endpoints.MapPost(pattern, handler.HandleAsync).DisableAntiforgery();
    }
}

/// <summary>One request of mParticle's Webhook output: authenticate, read batch by batch, send, answer per part.</summary>
internal sealed class MParticleBatchHandler(MParticleEndpointOptions options, IServiceProvider services)
{
    private readonly byte[]? _expected = options.AuthorizationHeader is { Length: > 0 } header ? SHA256.HashData(Encoding.UTF8.GetBytes(header)) : null;
    private readonly MParticleReadOptions _read = new() { Backfill = options.Backfill, Environments = options.Environments };
    private readonly bool _reasons = services.GetService(typeof(MParticleOutcomeHook)) is not null;
    private readonly ILogger _logger = (services.GetService(typeof(ILoggerFactory)) as ILoggerFactory)?.CreateLogger("Klaviyo.Destinations.AspNetCore.MParticle")
        ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        if (!Authorized(context.Request))
        {
            Log.Unauthorized(_logger, context.Connection.RemoteIpAddress?.ToString() ?? "-", context.Request.Headers.Authorization.Count > 0);
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"mparticle\"";
            await AnswerAsync(context, StatusCodes.Status401Unauthorized, w => w.WriteString("error", "The Authorization header is missing or is not the one this endpoint expects (the mParticle Webhook output's 'Authorization Header' setting)."));
            return;
        }
        if (context.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            await TooLargeAsync(context);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxRequestBodyBytes;

        var analytics = context.RequestServices.GetRequiredService<Analytics>();
        // Read the whole body first (one batch at a time): a body that breaks off is refused whole, nothing half-applied.
        var parts = new List<MParticlePart>();
        var body = new CountingStream(context.Request.Body, options.MaxRequestBodyBytes);
        try
        {
            await foreach (var part in MParticleBatchReader.ReadAsync(body, _read, cancellationToken))
            {
                if (part.Unreadable)
                {
                    await AnswerAsync(context, StatusCodes.Status400BadRequest, w =>
                    {
                        w.WriteString("error", $"line {part.Line}: {part.Error} — nothing of this request was sent.");
                        w.WriteNumber("accepted", 0);
                    });
                    return;
                }
                parts.Add(part);
            }
        }
        catch (Exception ex) when (ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } || ex is BodyTooLargeException)
        {
            await TooLargeAsync(context);
            return;
        }
        if (parts.Count == 0)
        {
            await AnswerAsync(context, StatusCodes.Status400BadRequest, w =>
            {
                w.WriteString("error", "The body holds no mParticle batch: send a batch object ({\"events\":[…],\"user_identities\":{…},…}) or an array of them.");
                w.WriteNumber("accepted", 0);
            });
            return;
        }

        var accepted = 0;
        var skipped = new List<MParticlePart>();
        var refused = new List<(long Line, string? MessageId, string Reason)>();
        var scope = MParticleOutcomeScope.Open();
        try
        {
            foreach (var part in parts)
            {
                if (part.Skipped)
                {
                    skipped.Add(part);
                    continue;
                }
                if (part.Message is not { } message)
                {
                    refused.Add((part.Line, null, part.Error ?? "refused"));
                    continue;
                }
                bool ok;
                try
                {
                    ok = await analytics.SendAsync(message, cancellationToken);
                }
                catch (ObjectDisposedException)
                {
                    await AnswerAsync(context, StatusCodes.Status503ServiceUnavailable, w =>
                    {
                        w.WriteString("error", "The app is shutting down; send again.");
                        w.WriteNumber("accepted", accepted);
                    });
                    return;
                }
                if (ok)
                {
                    accepted++;
                    continue;
                }
                var reason = scope.ReasonFor(message.MessageId) ?? (_reasons
                    ? "rejected by the Klaviyo rules"
                    : "rejected by the Klaviyo rules (its reason went to OnOutcome; call services.AddMParticleBatches() to get it here)");
                refused.Add((part.Line, message.MessageId, $"{message.Type} {message.Name}".TrimEnd() + ": " + reason));
            }
        }
        finally
        {
            scope.Close();
        }

        Log.Received(_logger, parts.Count, accepted, refused.Count, skipped.Count);
        await AnswerAsync(context, refused.Count == 0 ? StatusCodes.Status202Accepted : StatusCodes.Status400BadRequest, w =>
        {
            w.WriteNumber("accepted", accepted);
            w.WriteNumber("skipped", skipped.Count);
            w.WriteStartArray("rejected");
            foreach (var (line, messageId, reason) in refused)
            {
                w.WriteStartObject();
                w.WriteNumber("line", line);
                if (messageId is not null) w.WriteString("message_id", messageId);
                w.WriteString("reason", reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (skipped.Count > 0)
            {
                w.WriteStartArray("skipped_reasons");
                foreach (var reason in skipped.Select(s => s.Error).Distinct()) w.WriteStringValue(reason);
                w.WriteEndArray();
            }
        });
    }

    /// <summary>Constant-time comparison of the Authorization header (hashes first, so the length does not leak either).</summary>
    private bool Authorized(HttpRequest request)
    {
        if (_expected is null) return true;
        var given = request.Headers.Authorization;
        if (given.Count != 1 || given[0] is not { } value) return false;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(value), hash);
        return CryptographicOperations.FixedTimeEquals(hash, _expected);
    }

    private Task TooLargeAsync(HttpContext context) =>
        AnswerAsync(context, StatusCodes.Status413PayloadTooLarge, w =>
        {
            w.WriteString("error", $"The body is larger than {options.MaxRequestBodyBytes:N0} bytes (MParticleEndpointOptions.MaxRequestBodyBytes); nothing of it was sent. Send smaller batches.");
            w.WriteNumber("accepted", 0);
        });

    private static async Task AnswerAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        if (context.Response.HasStarted) return;
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None);
    }

    /// <summary>The request body, refused past the limit even where the server does not enforce one.</summary>
    private sealed class CountingStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _read += n;
            if (_read > limit) throw new BodyTooLargeException();
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class BodyTooLargeException : Exception;
}

internal static partial class Log
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "mParticle endpoint: refused a request from {RemoteAddress} (401): Authorization header present = {HeaderPresent}")]
    public static partial void Unauthorized(ILogger logger, string remoteAddress, bool headerPresent);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information, Message = "mParticle endpoint: {Parts} parts read, {Accepted} accepted, {Refused} refused, {Skipped} skipped")]
    public static partial void Received(ILogger logger, int parts, int accepted, int refused, int skipped);
}
