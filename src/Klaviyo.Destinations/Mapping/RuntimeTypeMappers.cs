using System.Collections.Concurrent;
using System.Reflection;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// The mappers registered for a type, reachable without its static type: a model passed as <c>object</c>, as an
/// interface or as a base type is mapped by the mapper of the object's runtime type, else of its nearest
/// <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> base type. Resolved once per runtime type and cached; the only
/// reflection is <see cref="object.GetType"/> and walking <see cref="Type.BaseType"/> on the first sight of a type.
/// </summary>
internal static class RuntimeTypeMappers
{
    private static readonly ConcurrentDictionary<Type, IBoxedProfileMapper> s_profiles = new();
    private static readonly ConcurrentDictionary<Type, IBoxedEventMapper> s_events = new();
    private static readonly ConcurrentDictionary<Assembly, bool> s_assembliesWithMappers = new();
    private static readonly ConcurrentDictionary<Type, Resolved> s_resolved = new();
    private static readonly ConcurrentDictionary<Module, bool> s_initialized = new();

    public static void Add<T>(IKlaviyoProfileMapper<T> mapper)
    {
        s_profiles[typeof(T)] = new BoxedProfileMapper<T>(mapper);
        Registered(typeof(T));
    }

    public static void Add<T>(IKlaviyoEventMapper<T> mapper)
    {
        s_events[typeof(T)] = new BoxedEventMapper<T>(mapper);
        Registered(typeof(T));
    }

    private static void Registered(Type type)
    {
        s_assembliesWithMappers[type.Assembly] = true;
        s_resolved.Clear();
    }

    /// <summary>The mappers for <paramref name="runtimeType"/> (its own, else its nearest mapped base type's).</summary>
    public static Resolved Resolve(Type runtimeType)
    {
        if (s_resolved.TryGetValue(runtimeType, out var resolved)) return resolved;
        // A struct created with default, or a type whose assembly ran no code yet: run its module initializer once.
        if (s_initialized.TryAdd(runtimeType.Module, true))
            System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(runtimeType.Module.ModuleHandle);
        IBoxedProfileMapper? profile = null;
        IBoxedEventMapper? evt = null;
        for (var t = runtimeType; t is not null && (profile is null || evt is null); t = t.BaseType)
        {
            if (profile is null && s_profiles.TryGetValue(t, out var p)) profile = p;
            if (evt is null && s_events.TryGetValue(t, out var e)) evt = e;
        }
        resolved = new Resolved(profile, evt, s_assembliesWithMappers.ContainsKey(runtimeType.Assembly));
        s_resolved[runtimeType] = resolved;
        return resolved;
    }

    /// <param name="Profile">The profile mapper, or null.</param>
    /// <param name="Event">The event mapper, or null.</param>
    /// <param name="AssemblyHasMappers">True when the type's assembly registered any generated mapper.</param>
    internal sealed record Resolved(IBoxedProfileMapper? Profile, IBoxedEventMapper? Event, bool AssemblyHasMappers)
    {
        public bool Found => Profile is not null || Event is not null;
    }
}

/// <summary>A profile mapper called with a boxed model.</summary>
internal interface IBoxedProfileMapper
{
    /// <summary>The annotated type the mapper was generated for.</summary>
    Type ModelType { get; }

    void Map(object value, ProfileWriter writer);
}

/// <summary>An event mapper called with a boxed model.</summary>
internal interface IBoxedEventMapper
{
    /// <inheritdoc cref="IBoxedProfileMapper.ModelType"/>
    Type ModelType { get; }

    string EventName { get; }

    void Map(object value, EventWriter writer);
}

internal sealed class BoxedProfileMapper<T>(IKlaviyoProfileMapper<T> mapper) : IBoxedProfileMapper
{
    public Type ModelType => typeof(T);

    public void Map(object value, ProfileWriter writer) => mapper.Map((T)value, writer);
}

internal sealed class BoxedEventMapper<T>(IKlaviyoEventMapper<T> mapper) : IBoxedEventMapper
{
    public Type ModelType => typeof(T);

    public string EventName => mapper.EventName;

    public void Map(object value, EventWriter writer) => mapper.Map((T)value, writer);
}
