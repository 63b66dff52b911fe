using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// Every KLV rule, in one place. IDs are never reused: 1xxx generator/model misuse, 2xxx analyzers, 9xxx internal.
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string Category = "Klaviyo.Mapping";

    private const string HelpRoot = "https://github.com/klaviyo-destinations/klaviyo-destinations/blob/main/docs/diagnostics/";

    /// <summary>Property keys that <see cref="UnmappedMember"/> diagnostics carry for the code fixes.</summary>
    public const string SuggestionProperty = "Suggestion";

    /// <inheritdoc cref="SuggestionProperty"/>
    public const string PropertyNameProperty = "PropertyName";

    /// <summary>
    /// Property key of <see cref="CloseTraitKey"/>/<see cref="CloseEventName"/> diagnostics: the text that replaces the
    /// key or name. Absent when replacing would clash with a key already written next to it.
    /// </summary>
    public const string ReplacementProperty = "Replacement";

    public static readonly DiagnosticDescriptor GenericType = new(
        "KLV1001",
        "Mapped type is generic",
        "[{0}] type '{1}' cannot be mapped because it is generic or nested in a generic type; map a closed, non-generic type instead",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV1001.md");

    public static readonly DiagnosticDescriptor InaccessibleType = new(
        "KLV1002",
        "Mapped type is not visible to the generated mapper",
        "[{0}] type '{1}' cannot be mapped because '{2}' is {3}; make it internal or public so the generated mapper can see it",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV1002.md");

    public static readonly DiagnosticDescriptor InvalidEventName = new(
        "KLV1003",
        "Invalid Klaviyo event name",
        "[KlaviyoEvent] name of '{0}' {1}; Klaviyo metric names must be non-empty and at most " + KlaviyoLimits.MaxMetricNameLength + " characters long",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV1003.md");

    public static readonly DiagnosticDescriptor UnmappedMember = new(
        "KLV2001",
        "Member is not mapped to a Klaviyo field",
        "{0} '{1}' of '{2}' is not mapped to a Klaviyo field; {3}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV2001.md");

    public static readonly DiagnosticDescriptor MissingIdentifier = new(
        "KLV2002",
        "Profile type has no identifier",
        "[KlaviyoProfile] type '{0}' has no member that identifies the person; add an Email, Phone or ExternalId member, or map one with [KlaviyoField(ProfileField.Email)], [KlaviyoField(ProfileField.PhoneNumber)] or [KlaviyoField(ProfileField.ExternalId)]",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV2002.md");

    public static readonly DiagnosticDescriptor TypeMismatch = new(
        "KLV2003",
        "Member type cannot become its Klaviyo target",
        "Member '{0}' of '{1}' has type '{2}', which cannot become {3}; {4}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV2003.md");

    public static readonly DiagnosticDescriptor DuplicateTarget = new(
        "KLV2004",
        "Two members are mapped to the same Klaviyo target",
        "Member '{0}' of '{1}' maps to {2}, which '{3}' already fills; map one of them elsewhere or mark it [NotMapped]",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV2004.md");

    public static readonly DiagnosticDescriptor UnsupportedType = new(
        "KLV2005",
        "Member type has no JSON form",
        "Member '{0}' of '{1}' has type '{2}', which cannot be written to Klaviyo; use {3}, or mark it [NotMapped]",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV2005.md");

    public static readonly DiagnosticDescriptor CloseTraitKey = new(
        "KLV2006",
        "Key is close to a Klaviyo mapping key",
        "{0} key '{1}' is not a Klaviyo mapping key; did you mean '{2}' ({3})?",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A constant key of dictionary or anonymous-object traits/properties passed to Analytics.Identify, Track or Group matches no mapping table entry, but differs from one only in case, underscores, dashes or '$', by a typo, or is a known synonym. It would be sent as a custom property.",
        helpLinkUri: HelpRoot + "KLV2006.md");

    public static readonly DiagnosticDescriptor CloseEventName = new(
        "KLV2007",
        "Event name is close to a known Klaviyo or ecommerce event name",
        "Event name '{0}' is close to {1}; did you mean it?",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A string-literal event name passed to Analytics.Track or [KlaviyoEvent] differs from a Segment ecommerce event, a Klaviyo metric or a standard event name only in case or by a typo. Klaviyo's ecommerce analytics and flows only see the exact name.",
        helpLinkUri: HelpRoot + "KLV2007.md");

    /// <summary>Property key of <see cref="PayloadWithoutMapper"/> diagnostics: the attribute the code fix adds (<c>KlaviyoProfile</c> or <c>KlaviyoEvent</c>).</summary>
    public const string AttributeProperty = "Attribute";

    /// <summary>Property key of <see cref="PayloadWithoutMapper"/> diagnostics: the event name for an added <c>[KlaviyoEvent]</c>.</summary>
    public const string EventNameProperty = "EventName";

    public static readonly DiagnosticDescriptor PayloadWithoutMapper = new(
        "KLV2008",
        "Payload type has no Klaviyo mapper",
        "'{0}' passed to Analytics.{1} has no Klaviyo mapper, so every such call would be rejected at run time; {2}",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Identify<T>, Track<T>, Page<T>, Screen<T>, AudienceEntered<T> and AudienceExited<T> accept any T, but the runtime can only map a [KlaviyoProfile]/[KlaviyoEvent] model, an anonymous object (intercepted at compile time), an IReadOnlyDictionary<string, object?>/IDictionary<string, object?>, a JsonElement or a JsonObject.",
        helpLinkUri: HelpRoot + "KLV2008.md");

    public static readonly DiagnosticDescriptor AbstractType = new(
        "KLV1004",
        "Mapped type is abstract",
        "[{0}] type '{1}' is abstract, so no mapper is generated for it and its subclasses would be rejected at run time; annotate each concrete subclass with [{0}] instead (its mapper includes the inherited members)",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpRoot + "KLV1004.md");

    public static readonly DiagnosticDescriptor UnannotatedDerivedType = new(
        "KLV2010",
        "Subclass of a mapped type is not annotated",
        "'{0}' derives from [{1}] type '{2}' but is not annotated itself: an instance is mapped by the mapper of '{2}', so {3} will not be sent; annotate '{0}' with [{1}] too",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A model is mapped by the mapper of its runtime type, else of its nearest annotated base type. A subclass that adds members but has no attribute of its own is sent through its base type's mapper, which does not know those members.",
        helpLinkUri: HelpRoot + "KLV2010.md");

    public static readonly DiagnosticDescriptor ConflictingExternalId = new(
        "KLV2009",
        "The call and the model may name different people",
        "This call passes a userId and '{0}' also maps '{1}' to external_id; the call's userId is sent (so Identify and Track reach one profile) and a different '{1}' is left out with a warning; pass '{2}' as the userId, pass null, or mark '{1}' [NotMapped]",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Klaviyo identifies a person by external_id. With the default AlternateIdentifier = CustomerId an Identify call's userId becomes external_id; a [KlaviyoProfile] member mapped to external_id (ExternalId, [KlaviyoField(ProfileField.ExternalId)]) is a second source for the same field. Not reported when the userId argument is that very member.",
        helpLinkUri: HelpRoot + "KLV2009.md");

    /// <summary>
    /// KLV2002 for an anonymous <c>Identify</c> payload: the same rule as <see cref="MissingIdentifier"/> (a profile that
    /// names no one), worded for a call — there is no type to add a member to, and the call's userId could have named the person.
    /// </summary>
    public static readonly DiagnosticDescriptor AnonymousMissingIdentifier = new(
        "KLV2002",
        "Profile type has no identifier",
        "This {0} passes no userId and an anonymous object with no Email, Phone or ExternalId member, so Klaviyo cannot tell whose profile it is and every such call is rejected at run time; pass the person's userId, or add an Email, Phone or ExternalId member to the object",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Klaviyo creates or updates a profile only by email, phone_number or external_id. An Identify call gets them from the traits or from its userId (external_id with the default AlternateIdentifier = CustomerId, or email with ExternalEmailIdentityType = CustomerId); with neither, the runtime rejects the message. Not reported when the call passes MessageOptions, whose identities may name the person.",
        helpLinkUri: HelpRoot + "KLV2002.md");

    /// <summary>KLV2011: <c>Group</c> traits that are not a dictionary.</summary>
    public static readonly DiagnosticDescriptor GroupTraitsNotDictionary = new(
        "KLV2011",
        "Group traits are a dictionary",
        "Analytics.Group takes its traits as IReadOnlyDictionary<string, object?>, not {0}: Klaviyo has no group object, so a Group call sets only the person's organization (from the trait 'name', else the group id) and the property 'group_id'; pass new Dictionary<string, object?> {{ [\"name\"] = … }}, or send other company facts with Identify",
        Category,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Segment's Group associates a user with a company that has traits of its own. Klaviyo stores people only, so Group becomes a profile update: organization = the group's name trait (or the group id) and a group_id property. A typed or anonymous group payload would promise traits that have nowhere to go, so Group is dictionary-only; the compiler's own error (CS1503) says only that the types do not convert.",
        helpLinkUri: HelpRoot + "KLV2011.md");

    /// <summary>KLV2012: a payload nothing can map, passed to Analytics through a user's generic method.</summary>
    public static readonly DiagnosticDescriptor PayloadThroughGenericHelper = new(
        "KLV2012",
        "Payload that reaches Analytics through a generic method cannot be mapped",
        "{0} is passed to '{1}', which hands it to Analytics.{2} as a type parameter, and the call is rejected at run time: {3}",
        Category,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "Inside a generic method the payload's type is a type parameter: which mapper applies is decided at run time, by the value's type. The generator registers a mapper for every anonymous object passed to such a method (through any number of generic methods), annotated models (and their subclasses), dictionaries and JSON values are found by their type. What is left is reported where the method is called: an unannotated class, an anonymous object the generator cannot map (a member whose type generated code cannot name), or one handed to Track(userId, payload), which takes its event name from a model. Found when the compilation ends, so it shows in builds and full-solution analysis, not as you type.",
        helpLinkUri: HelpRoot + "KLV2012.md",
        customTags: WellKnownDiagnosticTags.CompilationEnd);
}
