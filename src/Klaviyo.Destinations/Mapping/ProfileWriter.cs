using System.Globalization;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Collects a profile's Klaviyo attributes. Generated mappers call <see cref="Set(ProfileField, string?, bool)"/>
/// for reserved fields (buffered, so rules such as phone normalisation can see the whole profile) and the
/// <c>Property</c> overloads for custom properties (streamed straight to JSON). <see cref="Finish"/> writes the
/// reserved fields and closes the <c>attributes</c> object. One instance is reused per thread; it is not thread-safe.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class ProfileWriter : KlaviyoPropertyWriter
{
    private const int FieldCount = (int)ProfileField.Ip + 1;
    private static readonly JsonEncodedText[] s_names = BuildNames();
    private static readonly JsonEncodedText s_location = JsonEncodedText.Encode("location");

    private readonly string?[] _text = new string?[FieldCount];
    private readonly double?[] _number = new double?[FieldCount];
    private readonly bool[] _clear = new bool[FieldCount];

    /// <summary>Starts a profile: writes the opening brace of <c>attributes</c> to <paramref name="json"/>.</summary>
    public void Start(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Array.Clear(_text);
        Array.Clear(_number);
        Array.Clear(_clear);
        StartWriter(json, flat: false);
        AnonymousId = null;
        json.WriteStartObject();
    }

    /// <summary>Sets a reserved text field. Null is ignored unless <paramref name="clearWhenNull"/> (then Klaviyo clears it).</summary>
    public void Set(ProfileField field, string? value, bool clearWhenNull = false)
    {
        var i = Index(field);
        if (value is null)
        {
            if (clearWhenNull && _text[i] is null && _number[i] is null) _clear[i] = true;
            return;
        }
        if (!TextRules.IsValid(value, out var reason))
        {
            AddIssue(ProfileFieldInfo.JsonName(field), $"{ProfileFieldInfo.JsonName(field)} {reason}; it was left out.");
            return;
        }
        if (ProfileFieldInfo.IsNumeric(field))
        {
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                Set(field, parsed, clearWhenNull);
            else
                AddIssue(ProfileFieldInfo.JsonName(field), $"{ProfileFieldInfo.JsonName(field)} '{Shorten(value)}' is not a number; it was left out.");
            return;
        }
        if (value.Length == 0)
        {
            if (ProfileFieldInfo.IsIdentifier(field)) AddIssue(ProfileFieldInfo.JsonName(field), $"{ProfileFieldInfo.JsonName(field)} is empty; it was left out.");
            return;
        }
        _text[i] = value;
        _clear[i] = false;
    }

    /// <summary>Sets a numeric field (latitude, longitude; rounded to 4 decimals).</summary>
    public void Set(ProfileField field, double? value, bool clearWhenNull = false)
    {
        var i = Index(field);
        if (value is null)
        {
            if (clearWhenNull && _text[i] is null && _number[i] is null) _clear[i] = true;
            return;
        }
        if (!ProfileFieldInfo.IsNumeric(field))
        {
            Set(field, value.Value.ToString(CultureInfo.InvariantCulture), clearWhenNull);
            return;
        }
        var v = value.Value;
        var limit = field == ProfileField.Latitude ? 90 : 180;
        if (!double.IsFinite(v) || Math.Abs(v) > limit)
        {
            AddIssue(ProfileFieldInfo.JsonName(field), $"{ProfileFieldInfo.JsonName(field)} {v.ToString(CultureInfo.InvariantCulture)} is outside ±{limit}; it was left out.");
            return;
        }
        _number[i] = Math.Round(v, 4, MidpointRounding.AwayFromZero);
        _clear[i] = false;
    }

    /// <summary>
    /// Klaviyo's <c>anonymous_id</c>: accepted on event profiles only (profile-import rejects it since 2025-10-15).
    /// </summary>
    public string? AnonymousId { get; internal set; }

    /// <summary>The text currently set for <paramref name="field"/>, or null.</summary>
    public string? Get(ProfileField field) => _text[Index(field)];

    /// <summary>True when <paramref name="field"/> has a value (or will be cleared).</summary>
    public bool Has(ProfileField field)
    {
        var i = Index(field);
        return _text[i] is not null || _number[i] is not null;
    }

    /// <summary>True when the profile carries an identifier Klaviyo accepts (email, phone_number or external_id).</summary>
    public bool HasIdentifier => Has(ProfileField.Email) || Has(ProfileField.PhoneNumber) || Has(ProfileField.ExternalId);

    private static readonly JsonEncodedText s_anonymousId = JsonEncodedText.Encode("anonymous_id");

    /// <summary>Removes a reserved field (used by rules that reject one field and keep the rest).</summary>
    public void Remove(ProfileField field)
    {
        var i = Index(field);
        _text[i] = null;
        _number[i] = null;
        _clear[i] = false;
    }

    /// <summary>Writes the reserved fields and closes <c>attributes</c>. Call once, after every Set/Property.</summary>
    /// <param name="includeEmptyProperties">Write <c>"properties":{}</c> when there are no custom properties.</param>
    public void Finish(bool includeEmptyProperties = false)
    {
        var json = Json;
        CloseProperties(includeEmptyProperties);
        var locationOpen = false;
        for (var i = 1; i < FieldCount; i++)
        {
            var field = (ProfileField)i;
            var isLocation = ProfileFieldInfo.IsLocation(field);
            if (_text[i] is null && _number[i] is null && !_clear[i]) continue;
            if (isLocation && !locationOpen)
            {
                json.WritePropertyName(s_location);
                json.WriteStartObject();
                locationOpen = true;
            }
            if (_text[i] is { } text) json.WriteString(s_names[i], text);
            else if (_number[i] is { } number) json.WriteNumber(s_names[i], number);
            else json.WriteNull(s_names[i]);
        }
        if (locationOpen) json.WriteEndObject();
        if (AnonymousId is { } anonymousId) json.WriteString(s_anonymousId, anonymousId);
        json.WriteEndObject();
    }

    private static int Index(ProfileField field)
    {
        var i = (int)field;
        if (i <= 0 || i >= FieldCount) throw new ArgumentOutOfRangeException(nameof(field), field, "Not a Klaviyo profile field.");
        return i;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private static JsonEncodedText[] BuildNames()
    {
        var names = new JsonEncodedText[FieldCount];
        for (var i = 1; i < FieldCount; i++) names[i] = JsonEncodedText.Encode(ProfileFieldInfo.JsonName((ProfileField)i));
        return names;
    }
}
