namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>A test that needs a real redis-server: skipped with a reason when it is not installed, except under CI=true (then it runs and fails).</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Binary is null && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Skip = "redis-server is not installed (apt-get install -y redis-server, or set REDIS_SERVER to its path).";
    }
}
