using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>What a member of a mapped type becomes.</summary>
internal enum MemberTarget
{
    /// <summary>A reserved Klaviyo profile field (<see cref="ClassifiedMember.Field"/>).</summary>
    ProfileField,
    /// <summary>A top-level event attribute (<see cref="ClassifiedMember.EventField"/>).</summary>
    EventField,
    /// <summary>A property (<c>properties.{PropertyName}</c>), declared or known.</summary>
    Property,
    /// <summary>A nested address whose members fill <c>location</c>.</summary>
    Address,
    /// <summary>A company object whose <c>Name</c> fills <c>organization</c>.</summary>
    Company,
    /// <summary>Marked <c>[NotMapped]</c>: never sent.</summary>
    NotMapped,
    /// <summary>Matches nothing and is not marked: sent as a custom property (or dropped), KLV2001.</summary>
    Unmapped,
}

/// <summary>Why a member cannot be generated.</summary>
internal enum MemberProblem
{
    None,
    /// <summary>The member's type cannot become its target (KLV2003).</summary>
    TypeMismatch,
    /// <summary>The member's type has no JSON form (KLV2005).</summary>
    UnsupportedType,
    /// <summary>Another member already fills the same target (KLV2004).</summary>
    DuplicateTarget,
}

/// <summary>One member of a mapped type and the decision about it. Holds symbols: never put it in a pipeline model.</summary>
internal sealed class ClassifiedMember
{
    public ClassifiedMember(ISymbol symbol, ITypeSymbol type)
    {
        Symbol = symbol;
        Name = symbol.Name;
        Shape = TypeShape.Of(type);
    }

    public ISymbol Symbol { get; }
    public string Name { get; }
    public TypeShape Shape { get; }
    public MemberTarget Target { get; set; }
    public ProfileField Field { get; set; }
    public EventField EventField { get; set; }

    /// <summary>The property name when the member is (also) written as a property.</summary>
    public string? PropertyName { get; set; }

    /// <summary>True when <see cref="PropertyName"/> is the C# member's name, which the assembly's naming policy respells.</summary>
    public bool PropertyNameFromMember { get; set; }

    /// <summary>An event field member that is also kept as a property.</summary>
    public bool KeepAsProperty { get; set; }

    /// <summary>An event member named like <c>email</c>: also fills the event profile's email.</summary>
    public bool IsEventEmail { get; set; }

    public bool ClearWhenNull { get; set; }

    /// <summary>For an unmapped member: the profile field its name suggests (from the synonym table), or None.</summary>
    public ProfileField Suggestion { get; set; }

    public MemberProblem Problem { get; set; }

    /// <summary>Human-readable detail for <see cref="Problem"/> (what was expected).</summary>
    public string? ProblemDetail { get; set; }

    /// <summary>For <see cref="MemberTarget.Address"/>: the address type's members, classified.</summary>
    public List<ClassifiedMember>? Nested { get; set; }

    /// <summary>For <see cref="MemberTarget.Company"/>: the name of the company type's name member.</summary>
    public string? CompanyNameMember { get; set; }

    public bool IsGenerated => Problem == MemberProblem.None && Target != MemberTarget.NotMapped;
}
