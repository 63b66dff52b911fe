using System.Diagnostics.CodeAnalysis;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Where generated mappers register themselves (from a module initializer in your assembly), so the runtime finds
/// the mapper for a type without reflection: a lookup is one static field read.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public static class KlaviyoMapperRegistry
{
    /// <summary>Registers the profile mapper of <typeparamref name="T"/>. Called by generated code.</summary>
    public static void Register<T>(IKlaviyoProfileMapper<T> mapper)
    {
        ProfileCache<T>.Mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        RuntimeTypeMappers.Add(mapper);
    }

    /// <summary>Registers the event mapper of <typeparamref name="T"/>. Called by generated code.</summary>
    public static void Register<T>(IKlaviyoEventMapper<T> mapper)
    {
        EventCache<T>.Mapper = mapper ?? throw new ArgumentNullException(nameof(mapper));
        RuntimeTypeMappers.Add(mapper);
    }

    /// <summary>Finds the profile mapper of <typeparamref name="T"/>, if the type is <c>[KlaviyoProfile]</c>.</summary>
    public static bool TryGetProfileMapper<T>([NotNullWhen(true)] out IKlaviyoProfileMapper<T>? mapper)
    {
        mapper = ProfileCache<T>.Mapper;
        return mapper is not null;
    }

    /// <summary>Finds the event mapper of <typeparamref name="T"/>, if the type is <c>[KlaviyoEvent]</c>.</summary>
    public static bool TryGetEventMapper<T>([NotNullWhen(true)] out IKlaviyoEventMapper<T>? mapper)
    {
        mapper = EventCache<T>.Mapper;
        return mapper is not null;
    }

    private static class ProfileCache<T>
    {
        public static IKlaviyoProfileMapper<T>? Mapper;
    }

    private static class EventCache<T>
    {
        public static IKlaviyoEventMapper<T>? Mapper;
    }
}
