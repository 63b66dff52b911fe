using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// Reads the destination settings the way an app does, through <c>Microsoft.Extensions.Configuration</c>, lowest
/// precedence first: the <c>--settings</c> JSON file (an app's <c>appsettings.json</c> with a top-level <c>Klaviyo</c>
/// section, or a file holding only the settings), <c>KLAVIYO_API_KEY</c>/<c>KLAVIYO_BASE_URL</c>, <c>KLAVIYO__…</c>
/// environment variables (<c>KLAVIYO__DefaultListId</c>, <c>KLAVIYO__RateLimits__Events__PerSecond</c>), then the
/// command line (<c>--set Name=Value</c>, <c>--api-key</c>, …). Unknown names and values that do not convert are usage
/// errors that name the setting and what it takes; the rest is checked by the library's own validation.
/// </summary>
internal static partial class SettingsLoader
{
    private const string Section = "Klaviyo";

    public static KlaviyoDestinationOptions Load(string? settingsFile, IEnumerable<KeyValuePair<string, string?>> overrides)
    {
        var builder = new ConfigurationBuilder();
        if (settingsFile is not null) builder.AddInMemoryCollection(ReadFile(settingsFile));
        builder.AddInMemoryCollection(Legacy("KLAVIYO_API_KEY", "ApiKey").Concat(Legacy("KLAVIYO_BASE_URL", "BaseUrl")));
        builder.AddEnvironmentVariables();
        builder.AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(Section + ":" + o.Key, o.Value)));
        var section = builder.Build().GetSection(Section);

        var options = new KlaviyoDestinationOptions();
        CheckNames(section, typeof(KlaviyoDestinationOptions), Section);
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException(Describe(ex, section));
        }
        return options;
    }

    /// <summary>
    /// The settings of a JSON file as <c>Klaviyo:…</c> keys: its <c>Klaviyo</c> section when it has one (the rest of an
    /// app's <c>appsettings.json</c> is ignored), else the whole file.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> ReadFile(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"Settings file '{path}' does not exist.");
        IConfigurationRoot file;
        try
        {
            file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Build();
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException($"Settings file '{path}' is not valid JSON: {ex.InnerException?.Message ?? ex.Message}");
        }
        IConfiguration root = file.GetChildren().FirstOrDefault(c => string.Equals(c.Key, Section, StringComparison.OrdinalIgnoreCase)) is { } klaviyo ? klaviyo : file;
        return root.AsEnumerable(makePathsRelative: true).Select(p => new KeyValuePair<string, string?>(Section + ":" + p.Key, p.Value)).ToList();
    }

    private static IEnumerable<KeyValuePair<string, string?>> Legacy(string variable, string setting) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? [new(Section + ":" + setting, value)] : [];

    /// <summary>Every name under <paramref name="section"/> must be a setting, so a typo never silently changes nothing.</summary>
    private static void CheckNames(IConfiguration section, Type type, string path)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                var known = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name).ToList();
                var close = known.Select(k => (Name: k, Distance: Distance(k.ToUpperInvariant(), child.Key.ToUpperInvariant()))).Where(k => k.Distance <= 3).MinBy(k => k.Distance).Name;
                throw new UsageException($"{path}:{child.Key} is not a setting{(close is null ? "" : $"; did you mean {path}:{close}?")} The settings are listed in the README (klaviyo-dest: Settings).");
            }
            var propertyType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>) && propertyType.GetGenericArguments()[1] is { IsEnum: true } valueType)
            {
                // The binder skips a dictionary value it cannot convert; a mapping that silently loses an entry is worse than an error.
                foreach (var entry in child.GetChildren())
                    if (!Enum.TryParse(valueType, entry.Value, ignoreCase: true, out _))
                        throw new UsageException($"{path}:{property.Name}:{entry.Key} = '{entry.Value}' is not {Expected(valueType)}.");
            }
            if (propertyType.IsClass && propertyType != typeof(string) && propertyType != typeof(Uri) && !typeof(IEnumerable).IsAssignableFrom(propertyType) && propertyType != typeof(Action<DeliveryOutcome>))
                CheckNames(child, propertyType, path + ":" + property.Name);
            if (propertyType == typeof(Action<DeliveryOutcome>))
                throw new UsageException($"{path}:{property.Name} is set in code, not in settings.");
        }
    }

    /// <summary>Turns the binder's conversion error into the setting's name and the kind of value it takes.</summary>
    private static string Describe(InvalidOperationException ex, IConfigurationSection section)
    {
        var key = KeyInMessage().Match(ex.Message) is { Success: true } m ? m.Groups[1].Value : null;
        if (key is null) return $"The Klaviyo settings could not be read: {StripTypeNames(ex.Message)}";
        var value = section.GetSection(key.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase) ? key[(Section.Length + 1)..] : key).Value;
        var type = TypeAt(typeof(KlaviyoDestinationOptions), key.Split(':').Skip(1));
        return $"{key} = '{value}' is not {(type is null ? "a valid value" : Expected(type))}.";
    }

    private static Type? TypeAt(Type type, IEnumerable<string> segments)
    {
        Type? current = type;
        foreach (var segment in segments)
        {
            if (current is null) return null;
            current = Nullable.GetUnderlyingType(current) ?? current;
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(Dictionary<,>))
            {
                current = current.GetGenericArguments()[1];
                continue;
            }
            current = current.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
        }
        return current is null ? null : Nullable.GetUnderlyingType(current) ?? current;
    }

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) => "a number (use . for decimals)",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a duration such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (a day)",
        _ when type == typeof(Uri) => "an absolute URL such as https://a.klaviyo.com",
        { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(type)),
        _ => "a valid value",
    };

    private static string StripTypeNames(string message) => TypeName().Replace(message, "the setting's type");

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }

    [GeneratedRegex(@"'(Klaviyo:[A-Za-z0-9_:]+)'", RegexOptions.IgnoreCase)]
    private static partial Regex KeyInMessage();

    [GeneratedRegex(@"'?System\.[A-Za-z0-9_.`\[\],]+'?|'?Klaviyo\.Destinations\.[A-Za-z0-9_.`\[\],]+'?")]
    private static partial Regex TypeName();

    /// <summary>Parses repeated <c>--set Name=Value</c> arguments.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> ParseSets(IEnumerable<string> sets)
    {
        foreach (var set in sets)
        {
            var eq = set.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) throw new UsageException($"--set '{set}' must be Name=Value, e.g. --set DefaultListId=Y6nRLr or --set RateLimits:Events:PerSecond=100.");
            yield return new(set[..eq].Replace("__", ":", StringComparison.Ordinal), set[(eq + 1)..]);
        }
    }
}
