using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>The identifiers at the top level of an item's profile JSON (<c>email</c>, <c>phone_number</c>, <c>external_id</c>, <c>id</c>).</summary>
internal readonly record struct ProfileIdentifiers(string? Email, string? PhoneNumber, string? ExternalId, string? Id)
{
    public static ProfileIdentifiers Read(ReadOnlySpan<byte> json)
    {
        string? email = null, phone = null, externalId = null, id = null;
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return default;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.ValueSpan;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (name.SequenceEqual("email"u8)) email = reader.GetString();
                    else if (name.SequenceEqual("phone_number"u8)) phone = reader.GetString();
                    else if (name.SequenceEqual("external_id"u8)) externalId = reader.GetString();
                    else if (name.SequenceEqual("id"u8)) id = reader.GetString();
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
        }
        return new ProfileIdentifiers(email, phone, externalId, id);
    }
}
