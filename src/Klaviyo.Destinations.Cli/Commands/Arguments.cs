namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>A small, strict reader of <c>--name value</c>, <c>--flag</c> and positional arguments.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = new();

    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> valued, IReadOnlyCollection<string> flags)
    {
        var result = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "-" || !arg.StartsWith('-'))
            {
                result.Positionals.Add(arg);
                continue;
            }
            var name = arg;
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }
            if (valued.Contains(name))
            {
                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value."));
                result._values[name] = value;
            }
            else if (flags.Contains(name) && inline is null)
            {
                result._flags.Add(name);
            }
            else
            {
                throw new UsageException($"Unknown option '{name}'.");
            }
        }
        return result;
    }

    public string? Value(string name) => _values.GetValueOrDefault(name);

    public bool Flag(string name) => _flags.Contains(name);

    public long? Number(string name)
    {
        if (Value(name) is not { } text) return null;
        return long.TryParse(text, out var n) && n >= 0 ? n : throw new UsageException($"{name} must be a whole number ≥ 0, not '{text}'.");
    }
}
