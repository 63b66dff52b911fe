namespace Klaviyo.Emulator.State;

/// <summary>Makes Klaviyo-looking ids: 26-character ULIDs for profiles, events and jobs, 6-character ids for lists and metrics.</summary>
internal sealed class IdGenerator
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private const string ShortAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly Random _random;
    private readonly Lock _lock = new();

    public IdGenerator(int? seed) => _random = seed is { } s ? new Random(s) : new Random();

    public string NewUlid(DateTimeOffset now)
    {
        Span<char> chars = stackalloc char[26];
        var ms = now.ToUnixTimeMilliseconds();
        for (var i = 9; i >= 0; i--)
        {
            chars[i] = Crockford[(int)(ms & 31)];
            ms >>= 5;
        }

        lock (_lock)
        {
            for (var i = 10; i < 26; i++)
            {
                chars[i] = Crockford[_random.Next(32)];
            }
        }

        return new string(chars);
    }

    public string NewShortId()
    {
        Span<char> chars = stackalloc char[6];
        lock (_lock)
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = ShortAlphabet[_random.Next(ShortAlphabet.Length)];
            }
        }

        return new string(chars);
    }
}
