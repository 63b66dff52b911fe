using System.Text.Encodings.Web;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>How the SDK writes JSON for Klaviyo: one encoder and one set of writer options for every body.</summary>
internal static class KlaviyoJson
{
    /// <summary>The string encoder of every body the SDK writes.</summary>
    public static JavaScriptEncoder Encoder { get; } = JavaScriptEncoder.Default;

    /// <summary>Writer options with <see cref="Encoder"/>: compact, validated.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = Encoder, SkipValidation = false, Indented = false };
}
