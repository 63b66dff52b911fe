using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// The part of a mapping writer that streams custom properties (<c>attributes.properties</c>) to a
/// <see cref="Utf8JsonWriter"/>. Generated mappers call these members; application code normally does not.
/// Null values are omitted unless the member asks to clear the field; values JSON cannot carry (NaN, ±Infinity)
/// are left out and reported as a <see cref="MappingIssue"/>.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public abstract class KlaviyoPropertyWriter
{
    private readonly List<MappingIssue> _issues = new();
    private Utf8JsonWriter? _json;
    private bool _propertiesOpen;
    private bool _flat;
    private int _propertyCount;

    private protected KlaviyoPropertyWriter() { }

    /// <summary>Problems found while mapping (fields left out, with the reason). Valid until the next mapping.</summary>
    public IReadOnlyList<MappingIssue> Issues => _issues;

    /// <summary>How many properties were written so far.</summary>
    public int PropertyCount => _propertyCount;

    private protected Utf8JsonWriter Json => _json ?? throw new InvalidOperationException("The writer has not been started.");

    private protected bool PropertiesOpen => _propertiesOpen;

    /// <param name="json">The output.</param>
    /// <param name="flat">True when the current JSON object is itself the properties object (events).</param>
    private protected void StartWriter(Utf8JsonWriter json, bool flat)
    {
        _json = json;
        _flat = flat;
        _propertiesOpen = false;
        _propertyCount = 0;
        _issues.Clear();
    }

    /// <summary>Records that a field was left out and why; the rest of the message is still sent.</summary>
    public void AddIssue(string field, string reason) => _issues.Add(new MappingIssue(field, reason));

    private protected void CloseProperties(bool writeEmpty)
    {
        if (_flat) return;
        if (_propertiesOpen)
        {
            Json.WriteEndObject();
            _propertiesOpen = false;
        }
        else if (writeEmpty)
        {
            Json.WritePropertyName(s_properties);
            Json.WriteStartObject();
            Json.WriteEndObject();
        }
    }

    private static readonly JsonEncodedText s_properties = JsonEncodedText.Encode("properties");

    private Utf8JsonWriter OpenProperties()
    {
        var json = Json;
        if (!_propertiesOpen && !_flat)
        {
            json.WritePropertyName(s_properties);
            json.WriteStartObject();
            _propertiesOpen = true;
        }
        _propertyCount++;
        return json;
    }

    /// <summary>Writes the property name and returns the JSON writer so the caller writes exactly one value.</summary>
    public Utf8JsonWriter BeginProperty(JsonEncodedText name)
    {
        var json = OpenProperties();
        json.WritePropertyName(name);
        return json;
    }

    /// <summary>Writes the property name and returns the JSON writer so the caller writes exactly one value.</summary>
    public Utf8JsonWriter BeginProperty(string name)
    {
        var json = OpenProperties();
        json.WritePropertyName(name);
        return json;
    }

    private bool Skip(bool isNull, bool clearWhenNull, JsonEncodedText name)
    {
        if (!isNull) return false;
        if (clearWhenNull) OpenProperties().WriteNull(name);
        return true;
    }

    /// <summary>Writes a string property.</summary>
    public void Property(JsonEncodedText name, string? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        if (!TextRules.IsValid(value!, out var reason))
        {
            AddIssue(name.Value, $"'{name.Value}' {reason}; the property was left out.");
            return;
        }
        OpenProperties().WriteString(name, value);
    }

    /// <summary>Writes a boolean property.</summary>
    public void Property(JsonEncodedText name, bool? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteBoolean(name, value!.Value);
    }

    /// <summary>Writes an integer property.</summary>
    public void Property(JsonEncodedText name, long? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteNumber(name, value!.Value);
    }

    /// <summary>Writes an unsigned integer property.</summary>
    public void Property(JsonEncodedText name, ulong? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteNumber(name, value!.Value);
    }

    /// <summary>Writes a floating-point property; NaN and infinities are left out and reported.</summary>
    public void Property(JsonEncodedText name, double? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        if (!double.IsFinite(value!.Value))
        {
            AddIssue(name.Value, $"'{name.Value}' is {value.Value.ToString(CultureInfo.InvariantCulture)}, which JSON cannot carry; the property was left out.");
            return;
        }
        OpenProperties().WriteNumber(name, value.Value);
    }

    /// <summary>Writes a decimal property.</summary>
    public void Property(JsonEncodedText name, decimal? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteNumber(name, value!.Value);
    }

    /// <summary>Writes a date-time property (ISO-8601).</summary>
    public void Property(JsonEncodedText name, DateTime? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteString(name, value!.Value);
    }

    /// <summary>Writes a date-time property (ISO-8601 with offset).</summary>
    public void Property(JsonEncodedText name, DateTimeOffset? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteString(name, value!.Value);
    }

    /// <summary>Writes a date property (<c>yyyy-MM-dd</c>).</summary>
    public void Property(JsonEncodedText name, DateOnly? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        Span<char> buffer = stackalloc char[10];
        value!.Value.TryFormat(buffer, out var written, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        OpenProperties().WriteString(name, buffer[..written]);
    }

    /// <summary>Writes a GUID property.</summary>
    public void Property(JsonEncodedText name, Guid? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteString(name, value!.Value);
    }

    /// <summary>Writes a URI property (its original string).</summary>
    public void Property(JsonEncodedText name, Uri? value, bool clearWhenNull = false)
        => Property(name, value?.OriginalString, clearWhenNull);

    /// <summary>Writes a big-integer property: a number up to 2^53 in magnitude, a string of digits beyond.</summary>
    public void Property(JsonEncodedText name, BigInteger? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        var json = OpenProperties();
        json.WritePropertyName(name);
        ScalarFormats.WriteNumber(json, value!.Value);
    }

    /// <summary>Writes a time-of-day property (ISO-8601 <c>HH:mm:ss.FFFFFFF</c>).</summary>
    public void Property(JsonEncodedText name, TimeOnly? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteString(name, ScalarFormats.Format(value!.Value));
    }

    /// <summary>Writes a duration property (ISO-8601, e.g. <c>PT1H30M</c>).</summary>
    public void Property(JsonEncodedText name, TimeSpan? value, bool clearWhenNull = false)
    {
        if (Skip(value is null, clearWhenNull, name)) return;
        OpenProperties().WriteString(name, ScalarFormats.Format(value!.Value));
    }

    private System.Buffers.ArrayBufferWriter<byte>? _scratch;
    private Utf8JsonWriter? _scratchJson;

    /// <summary>
    /// Writes a nested property (an object, a collection, a dictionary) that <paramref name="write"/> writes as one
    /// JSON value. When the value is nested deeper than Klaviyo's limit, refers to itself or holds text JSON cannot
    /// carry, the property is left out and reported as a <see cref="MappingIssue"/>; the rest of the message is sent.
    /// </summary>
    public void NestedProperty<TValue>(JsonEncodedText name, TValue value, Action<Utf8JsonWriter, TValue> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        _scratch ??= new System.Buffers.ArrayBufferWriter<byte>(256);
        _scratch.ResetWrittenCount();
        if (_scratchJson is null) _scratchJson = new Utf8JsonWriter(_scratch, new JsonWriterOptions { Encoder = Json.Options.Encoder });
        else _scratchJson.Reset(_scratch);
        try
        {
            write(_scratchJson, value);
            _scratchJson.Flush();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            AddIssue(name.Value, $"'{name.Value}' was left out: {ex.Message}");
            return;
        }
        var json = OpenProperties();
        json.WritePropertyName(name);
        json.WriteRawValue(_scratch.WrittenSpan, skipInputValidation: true);
    }

    /// <summary>Writes a property of any supported runtime type (dictionary and JSON paths); null is omitted.</summary>
    public void PropertyValue(string name, object? value)
    {
        if (value is null) return;
        if (!TextRules.IsValid(name, out var nameReason))
        {
            AddIssue("(property name)", $"A property name {nameReason}; the property was left out.");
            return;
        }
        if (!JsonValueWriter.CanWrite(value, depth: 1, out var reason))
        {
            AddIssue(name, $"'{name}' {reason}; the property was left out.");
            return;
        }
        var json = OpenProperties();
        json.WritePropertyName(name);
        JsonValueWriter.Write(json, value);
    }

    /// <summary>Writes an explicit JSON null for <paramref name="name"/> (dictionary path: a present null clears the property).</summary>
    public void PropertyNull(string name)
    {
        if (!TextRules.IsValid(name, out _)) return;
        OpenProperties().WriteNull(name);
    }
}
