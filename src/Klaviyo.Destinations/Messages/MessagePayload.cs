using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>The traits or properties of a message: a generated-mapper model, a dictionary or a JSON object.</summary>
public abstract class MessagePayload
{
    private protected MessagePayload() { }

    /// <summary>The value as the caller passed it.</summary>
    public abstract object? Value { get; }

    /// <summary>An empty payload.</summary>
    public static MessagePayload Empty { get; } = new DictionaryPayload(new Dictionary<string, object?>());

    internal abstract bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error);

    internal abstract bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error);

    /// <summary>The event name the model declares (<c>[KlaviyoEvent("…")]</c>), if any.</summary>
    internal virtual string? DeclaredEventName => null;

    /// <summary>Why an event model cannot be an Identify's traits (typed and runtime-type payloads alike).</summary>
    private protected static string NotAProfileModel(string typeName) =>
        $"{typeName} is a [KlaviyoEvent] model; Identify needs a [KlaviyoProfile] model, a dictionary or JSON.";

    /// <summary>Why a profile model cannot be a Track's properties (typed and runtime-type payloads alike).</summary>
    private protected static string NotAnEventModel(string typeName) =>
        $"{typeName} is a [KlaviyoProfile] model; Track needs a [KlaviyoEvent] model, a dictionary or JSON.";

    /// <summary>Wraps a typed model, a dictionary, a <see cref="JsonElement"/> or a <see cref="JsonObject"/>.</summary>
    public static MessagePayload From<T>(T value)
    {
        if (value is null) return Empty;
        if (value is MessagePayload ready) return ready;
        // The static type is the object's type (always so for a struct or a sealed class): its own mapper, one field read.
        var exact = typeof(T).IsValueType || value.GetType() == typeof(T);
        if (exact && (KlaviyoMapperRegistry.TryGetProfileMapper<T>(out var profileMapper) | KlaviyoMapperRegistry.TryGetEventMapper<T>(out var eventMapper)))
            return new TypedPayload<T>(value, profileMapper, eventMapper);
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> map: return new DictionaryPayload(map);
            case IDictionary<string, object?> dict: return new DictionaryPayload(dict.AsReadOnly());
            case JsonElement element: return new JsonPayload(element);
            case JsonObject node: return new JsonNodePayload(node);
        }
        // Passed as object, an interface or a base type (or not yet registered): the runtime type decides, cached per type.
        var resolved = RuntimeTypeMappers.Resolve(value.GetType());
        if (resolved.Found) return new BoxedPayload(value, resolved.Profile, resolved.Event);
        return new UnsupportedPayload(value, typeof(T), resolved.AssemblyHasMappers);
    }

    /// <summary>
    /// Wraps a value together with the generated mappers that write it. Called by the interceptors the source generator
    /// emits for anonymous-object payloads (<c>Track(userId, "Name", new { … })</c>); not meant for direct use.
    /// </summary>
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public static MessagePayload FromMapper<T>(T value, IKlaviyoProfileMapper<T> profileMapper, IKlaviyoEventMapper<T> eventMapper)
    {
        ArgumentNullException.ThrowIfNull(profileMapper);
        ArgumentNullException.ThrowIfNull(eventMapper);
        return value is null ? Empty : new TypedPayload<T>(value, profileMapper, eventMapper);
    }
}

internal sealed class TypedPayload<T>(T value, IKlaviyoProfileMapper<T>? profileMapper, IKlaviyoEventMapper<T>? eventMapper) : MessagePayload
{
    public override object? Value => value;

    internal override string? DeclaredEventName => eventMapper?.EventName;

    internal override bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        if (profileMapper is null)
        {
            error = NotAProfileModel(typeof(T).Name);
            return false;
        }
        profileMapper.Map(value, writer);
        return true;
    }

    internal override bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        if (eventMapper is null)
        {
            error = NotAnEventModel(typeof(T).Name);
            return false;
        }
        eventMapper.Map(value, writer);
        return true;
    }
}

/// <summary>A model mapped by its runtime type's mapper (or its nearest mapped base type's).</summary>
internal sealed class BoxedPayload(object value, IBoxedProfileMapper? profileMapper, IBoxedEventMapper? eventMapper) : MessagePayload
{
    public override object? Value => value;

    internal override string? DeclaredEventName => eventMapper?.EventName;

    internal override bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        if (profileMapper is null)
        {
            error = NotAProfileModel(value.GetType().Name);
            return false;
        }
        profileMapper.Map(value, writer);
        return true;
    }

    internal override bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        if (eventMapper is null)
        {
            error = NotAnEventModel(value.GetType().Name);
            return false;
        }
        eventMapper.Map(value, writer);
        return true;
    }
}

internal sealed class DictionaryPayload(IReadOnlyDictionary<string, object?> map) : MessagePayload
{
    public override object? Value => map;

    internal override bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        foreach (var pair in map) mapper.ProfileEntry(writer, pair.Key, pair.Value);
        return true;
    }

    internal override bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        foreach (var pair in map) mapper.EventEntry(writer, pair.Key, pair.Value);
        return true;
    }
}

internal sealed class JsonPayload(JsonElement element) : MessagePayload
{
    public override object? Value => element;

    internal override bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        if (!IsObject(out error)) return error is null;
        foreach (var p in JsonDuplicateKeys.LastWins(element, writer)) mapper.ProfileEntry(writer, p.Name, p.Value);
        return true;
    }

    internal override bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        if (!IsObject(out error)) return error is null;
        foreach (var p in JsonDuplicateKeys.LastWins(element, writer)) mapper.EventEntry(writer, p.Name, p.Value);
        return true;
    }

    /// <summary>True for an object; false with no error for null/undefined (nothing to write); false with an error otherwise.</summary>
    private bool IsObject(out string? error)
    {
        error = null;
        if (element.ValueKind == JsonValueKind.Object) return true;
        if (element.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
            error = $"Traits and properties must be a JSON object, not {element.ValueKind}.";
        return false;
    }
}

internal sealed class JsonNodePayload(JsonObject node) : MessagePayload
{
    public override object? Value => node;

    internal override bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        foreach (var pair in node) mapper.ProfileEntry(writer, pair.Key, pair.Value);
        return true;
    }

    internal override bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = null;
        foreach (var pair in node) mapper.EventEntry(writer, pair.Key, pair.Value);
        return true;
    }
}

internal sealed class UnsupportedPayload(object value, Type staticType, bool assemblyHasMappers) : MessagePayload
{
    public override object? Value => value;

    private string Reason
    {
        get
        {
            var type = value.GetType();
            var passedAs = staticType == type ? "" : $" (passed as {staticType.Name})";
            var fix = assemblyHasMappers
                ? $"Annotate {type.Name} (or a base class) with [KlaviyoProfile] or [KlaviyoEvent]"
                : $"No generated mapper is registered from assembly '{type.Assembly.GetName().Name}': reference the Klaviyo.Destinations package from the project that declares {type.Name} (its source generator writes the mappers) and annotate the type with [KlaviyoProfile] or [KlaviyoEvent]";
            return $"{type.Name}{passedAs} has no Klaviyo mapper: neither it nor a base type is [KlaviyoProfile] or [KlaviyoEvent]. {fix}, or pass an IReadOnlyDictionary<string, object?>, a JsonElement or a JsonObject.";
        }
    }

    internal override bool WriteProfile(ProfileWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = Reason;
        return false;
    }

    internal override bool WriteEvent(EventWriter writer, Rules.DictionaryMapper mapper, out string? error)
    {
        error = Reason;
        return false;
    }
}
