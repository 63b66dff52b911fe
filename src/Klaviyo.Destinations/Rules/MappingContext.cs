using System.Buffers;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

/// <summary>Per-thread reusable buffers and writers, so mapping allocates nothing but the final byte arrays.</summary>
internal sealed class MappingContext
{
    [ThreadStatic] private static MappingContext? t_current;

    private static readonly JsonWriterOptions s_options = KlaviyoJson.WriterOptions;

    public readonly ArrayBufferWriter<byte> ProfileBuffer = new(1024);
    public readonly ArrayBufferWriter<byte> EventBuffer = new(1024);
    public readonly Utf8JsonWriter ProfileJson;
    public readonly Utf8JsonWriter EventJson;
    public readonly ProfileWriter Profile = new();
    public readonly EventWriter Event = new();

    private MappingContext()
    {
        ProfileJson = new Utf8JsonWriter(ProfileBuffer, s_options);
        EventJson = new Utf8JsonWriter(EventBuffer, s_options);
    }

    public static MappingContext Rent()
    {
        var context = t_current ??= new MappingContext();
        context.ProfileBuffer.ResetWrittenCount();
        context.EventBuffer.ResetWrittenCount();
        context.ProfileJson.Reset(context.ProfileBuffer);
        context.EventJson.Reset(context.EventBuffer);
        return context;
    }

    public byte[] ProfileBytes()
    {
        ProfileJson.Flush();
        return ProfileBuffer.WrittenSpan.ToArray();
    }

    public byte[] EventBytes()
    {
        EventJson.Flush();
        return EventBuffer.WrittenSpan.ToArray();
    }
}
