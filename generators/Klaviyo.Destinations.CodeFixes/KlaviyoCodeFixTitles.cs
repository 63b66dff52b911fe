namespace Klaviyo.Destinations.CodeFixes;

/// <summary>Titles and equivalence keys of the code actions (one key per kind of fix, so Fix All applies it everywhere).</summary>
internal static class KlaviyoCodeFixTitles
{
    public const string MapToPrefix = "Map to ProfileField.";
    public const string MapToKey = "Klaviyo.MapToSuggestedField";
    public const string SendAsCustomProperty = "Send as custom property";
    public const string SendAsCustomPropertyKey = "Klaviyo.SendAsCustomProperty";
    public const string DontSend = "Don't send";
    public const string DontSendKey = "Klaviyo.NotMapped";
    public const string UseKeyPrefix = "Use key ";
    public const string UseKeyKey = "Klaviyo.UseSuggestedKey";
    public const string UseEventNamePrefix = "Use event name ";
    public const string UseEventNameKey = "Klaviyo.UseSuggestedEventName";
    public const string AddKlaviyoProfile = "Add [KlaviyoProfile]";
    public const string AddKlaviyoEventPrefix = "Add [KlaviyoEvent(\"";
    public const string AddMappedTypeAttributeKey = "Klaviyo.AddMappedTypeAttribute";
}
