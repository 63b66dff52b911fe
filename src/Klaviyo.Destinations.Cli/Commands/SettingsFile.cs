using System.Text.Json;
using System.Text.Json.Serialization;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// Reads destination settings from JSON whose names are exactly those of <see cref="KlaviyoDestinationOptions"/>
/// (e.g. <c>{"AlternateIdentifier":"None","DefaultPhoneRegion":"US","KeepOrderCompletedName":true}</c>).
/// Unknown names are an error, so a typo never silently changes nothing.
/// </summary>
internal static class SettingsFile
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static KlaviyoDestinationOptions Load(string? path)
    {
        if (path is null) return new KlaviyoDestinationOptions();
        if (!File.Exists(path)) throw new UsageException($"Settings file '{path}' does not exist.");
        try
        {
            return JsonSerializer.Deserialize<KlaviyoDestinationOptions>(File.ReadAllText(path), s_options)
                ?? throw new UsageException($"Settings file '{path}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"Settings file '{path}': {ex.Message} Names must match KlaviyoDestinationOptions (see the README).");
        }
    }
}
