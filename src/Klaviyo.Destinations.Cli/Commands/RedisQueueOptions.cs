using System.CommandLine;
using System.Text.RegularExpressions;
using Klaviyo.Destinations.Redis;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// The options that find the replicas' shared Redis queue: <c>--redis</c>, and its keys' prefix: <c>--key-prefix</c>
/// plus the account part, from the API key (<c>--api-key</c>, <c>--settings</c>, <c>KLAVIYO_API_KEY</c>) or given as
/// <c>--account</c>. The key itself is never printed.
/// </summary>
internal sealed partial class RedisQueueOptions
{
    private const string DefaultKeyPrefix = "klaviyo:queue";

    public Option<string?> Redis { get; } = new("--redis")
    {
        Description = "the replicas' shared Redis queue: a StackExchange.Redis configuration string (e.g. localhost:6379); see docs/scale-out.md",
        HelpName = "CONFIG",
    };

    public Option<string> KeyPrefix { get; } = new("--key-prefix")
    {
        Description = $"the replicas' Klaviyo:Redis:Queue:KeyPrefix (default {DefaultKeyPrefix})",
        DefaultValueFactory = _ => DefaultKeyPrefix,
        HelpName = "PREFIX",
    };

    public Option<string?> Account { get; } = new("--account")
    {
        Description = "the account part of the queue's keys (16 hex digits, as in {<prefix>:<account>}:dead), instead of the API key",
        HelpName = "HASH",
    };

    public Option<string?> ApiKey { get; } = new("--api-key") { Description = "the replicas' Klaviyo private key, to find their queue (default: Klaviyo:ApiKey, KLAVIYO__ApiKey or KLAVIYO_API_KEY)", HelpName = "KEY" };

    public Option<string?> Settings { get; } = new("--settings") { Description = "settings JSON holding Klaviyo:ApiKey (an app's appsettings.json)", HelpName = "FILE" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Redis, KeyPrefix, Account, ApiKey, Settings }) command.Options.Add(option);
    }

    public bool IsGiven(ParseResult result) => result.GetValue(Redis) is not null;

    /// <summary>Connects and finds the queue; a usage error that says what to fix when Redis does not answer or holds no such queue.</summary>
    public async Task<OpenQueue> OpenAsync(ParseResult result)
    {
        var configuration = result.GetValue(Redis)!;
        var prefix = result.GetValue(KeyPrefix) ?? DefaultKeyPrefix;
        if (string.IsNullOrWhiteSpace(prefix) || prefix.AsSpan().IndexOfAny('{', '}') >= 0)
            throw new UsageException($"--key-prefix '{prefix}' is not a queue key prefix: give the replicas' Klaviyo:Redis:Queue:KeyPrefix (default {DefaultKeyPrefix}), without braces.");
        var account = AccountPart(result);
        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--redis is not a StackExchange.Redis configuration string ({ex.Message}); e.g. --redis localhost:6379.");
        }
        if (parsed.EndPoints.Count == 0) throw new UsageException("--redis names no Redis server; e.g. --redis localhost:6379.");
        parsed.AbortOnConnectFail = false;
        parsed.BacklogPolicy = BacklogPolicy.FailFast;
        var endpoints = string.Join(", ", parsed.EndPoints.Select(EndPointCollection.ToString));
        var redis = await ConnectionMultiplexer.ConnectAsync(parsed);
        try
        {
            var fullPrefix = $"{prefix}:{account}";
            RedisDeadLetters? letters;
            try
            {
                letters = await RedisDeadLetters.FindAsync(redis, fullPrefix);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                throw new UsageException($"Redis at {endpoints} did not answer ({FirstLine(ex.Message)}). Check --redis and that Redis is running.");
            }
            if (letters is null)
                throw new UsageException($"Redis at {endpoints} holds no queue '{fullPrefix}': no replica has opened it. Check --key-prefix (the replicas' Klaviyo:Redis:Queue:KeyPrefix) and that the API key (or --account) is the replicas' account.");
            return new OpenQueue(redis, letters, endpoints);
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>The account part of the keys: --account as given, or the hash of the API key.</summary>
    private string AccountPart(ParseResult result)
    {
        if (result.GetValue(Account) is { } given)
        {
            if (!AccountHash().IsMatch(given)) throw new UsageException($"--account '{given}' is not an account hash: 16 hex digits, the part after the prefix in the queue's keys ({{klaviyo:queue:<account>}}:dead).");
            if (result.GetValue(ApiKey) is not null) throw new UsageException("Give --account or --api-key, not both.");
            return given.ToLowerInvariant();
        }
        string? key;
        try
        {
            key = result.GetValue(ApiKey) ?? SettingsLoader.Load(result.GetValue(Settings), []).ApiKey;
        }
        catch (KlaviyoConfigurationException ex)
        {
            throw new UsageException(ex.Message);
        }
        if (string.IsNullOrWhiteSpace(key))
            throw new UsageException("The Redis queue's keys are named after the Klaviyo account: pass the replicas' key with --api-key (or KLAVIYO_API_KEY, or --settings with Klaviyo:ApiKey), or the account part of the keys with --account.");
        return AccountKey.Of(key);
    }

    /// <summary>Redis could not be asked (unreachable, timed out, or its connection closed).</summary>
    public static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException;

    /// <summary>The first line of a (StackExchange.Redis, multi-line) message.</summary>
    public static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n', ';']);
        return end < 0 ? message : message[..end];
    }

    [GeneratedRegex("^[0-9a-fA-F]{16}$")]
    private static partial Regex AccountHash();

    /// <summary>The connection and the queue's dead letters.</summary>
    internal sealed class OpenQueue(ConnectionMultiplexer redis, RedisDeadLetters letters, string endpoints) : IAsyncDisposable
    {
        public RedisDeadLetters Letters { get; } = letters;

        /// <summary>The Redis servers, for messages (no password: the configuration string may hold one).</summary>
        public string Endpoints { get; } = endpoints;

        public ValueTask DisposeAsync() => redis.DisposeAsync();
    }
}
