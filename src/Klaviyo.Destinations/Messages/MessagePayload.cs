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

    /// <summary>Wraps a typed model, a dictionary, a <see cref="JsonElement"/> or a <see cref="JsonObject"/>.</summary>
    public static MessagePayload From<T>(T value)
    {
        if (value is null) return Empty;
        if (KlaviyoMapperRegistry.TryGetProfileMapper<T>(out var profileMapper) | KlaviyoMapperRegistry.TryGetEventMapper<T>(out var eventMapper))
            return new TypedPayload<T>(value, profileMapper, eventMapper);
        if (ModuleInitialized<T>.Retry() &&
            (KlaviyoMapperRegistry.TryGetProfileMapper(out profileMapper) | KlaviyoMapperRegistry.TryGetEventMapper(out eventMapper)))
            return new TypedPayload<T>(value, profileMapper, eventMapper);
        return value switch
        {
            IReadOnlyDictionary<string, object?> map => new DictionaryPayload(map),
            IDictionary<string, object?> dict => new DictionaryPayload(dict.AsReadOnly()),
            JsonElement element => new JsonPayload(element),
            JsonObject node => new JsonNodePayload(node),
            MessagePayload payload => payload,
            _ => new UnsupportedPayload(value),
        };
    }
}

/// <summary>
/// Generated mappers register from a module initializer of the assembly that declares the model. That has run
/// whenever code of that assembly ran (constructing a record does), but not for a struct created with
/// <c>default</c>; so on a miss the declaring module's initializer is run once and the lookup retried.
/// </summary>
internal static class ModuleInitialized<T>
{
    private static int s_tried;

    public static bool Retry()
    {
        if (Interlocked.Exchange(ref s_tried, 1) != 0) return false;
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(T).Module.ModuleHandle);
        return true;
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
            error = $"{typeof(T).Name} is a [KlaviyoEvent] model; Identify needs a [KlaviyoProfile] model, a dictionary or JSON.";
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
            error = $"{typeof(T).Name} is a [KlaviyoProfile] model; Track needs a [KlaviyoEvent] model, a dictionary or JSON.";
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

internal sealed class UnsupportedPayload(object value) : MessagePayload
{
    public override object? Value => value;

    private string Reason => $"{value.GetType().Name} has no Klaviyo mapper. Annotate it with [KlaviyoProfile] or [KlaviyoEvent] (the generator then maps it without reflection), or pass an IReadOnlyDictionary<string, object?>, a JsonElement or a JsonObject.";

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
