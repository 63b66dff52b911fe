using System.Text.Encodings.Web;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// How the SDK writes JSON for Klaviyo: one encoder and one set of writer options for every mapped payload and
/// request body.
/// </summary>
/// <remarks>
/// The bodies are UTF-8 JSON read by Klaviyo's JSON parser, never embedded in HTML or a script by this SDK, so
/// escaping for HTML (<c>+</c> → <c>\u002B</c>, <c>&lt;</c>, <c>&amp;</c>, <c>'</c>) and escaping every non-ASCII
/// character (6 bytes each, 12 for a CJK character that is 3 bytes in UTF-8) only makes the bodies bigger and slower
/// to write and send; Klaviyo decodes both spellings to the same text. What JSON itself requires is still escaped:
/// <c>"</c>, <c>\</c> and the control characters U+0000–U+001F; the encoder also keeps escaping DEL and the C1
/// controls, U+2028/U+2029 (line terminators to JavaScript), unassigned code points and characters outside the BMP
/// (emoji, as a valid surrogate-pair escape). Lone surrogates never get here: they are rejected with a reason first
/// (<see cref="TextRules"/>). The output is valid JSON and decodes to exactly the same strings as before.
/// </remarks>
internal static class KlaviyoJson
{
    /// <summary>The string encoder of every body the SDK writes.</summary>
    public static JavaScriptEncoder Encoder { get; } = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    /// <summary>Writer options with <see cref="Encoder"/>: compact, validated.</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = Encoder, SkipValidation = false, Indented = false };
}
