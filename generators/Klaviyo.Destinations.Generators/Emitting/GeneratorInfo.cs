namespace Klaviyo.Destinations.Generators.Emitting;

internal static class GeneratorInfo
{
    public const string Name = "Klaviyo.Destinations.Generators";
    public const string Version = "0.1.0";
}
