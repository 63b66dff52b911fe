using System.Buffers;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends privacy deletions (<c>POST /api/data-privacy-deletion-jobs</c>), one profile per job: by Klaviyo id when
/// known, else by email or phone number; an external id is resolved to the profile id first (the job takes no external id).
/// </summary>
internal sealed class DeletionSender
{
    private readonly KlaviyoTransport _transport;
    private readonly ProfileIdCache _ids;
    private readonly ProfileIdLookup _lookup;

    public DeletionSender(KlaviyoTransport transport, ProfileIdCache ids, ProfileIdLookup lookup)
    {
        _transport = transport;
        _ids = ids;
        _lookup = lookup;
    }

    public async Task<BatchResult> SendAsync(Batch batch, CancellationToken cancellationToken)
    {
        var who = ProfileIdentifiers.Read(batch.Items[0].Item.Profile);
        var id = who.Id;
        if (id is null && who.ExternalId is { } externalId)
        {
            // The deletion job accepts only id, email or phone_number: resolve the external id first.
            var (found, answer) = await _lookup.IdOfExternalIdAsync(externalId, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                if (!answer!.IsSuccess) return AudienceResults.Whole(answer);
                return BatchResult.Delivered(answer.Status) with { Skips = [new ItemRejection(0, $"Klaviyo has no profile with external_id {externalId}; nothing to delete.", "external_id")] };
            }
            id = found;
        }

        var body = DeletionBody(id, who);
        _transport.Metrics?.BatchSent(KlaviyoTransport.Name(KlaviyoEndpoint.DeletionJob), 1, body.Length);
        var sent = await _transport.SendAsync(KlaviyoEndpoint.DeletionJob, new Uri(_transport.BaseUrl, KlaviyoPaths.PathOf(KlaviyoEndpoint.DeletionJob)), body, cancellationToken).ConfigureAwait(false);
        if (sent.IsSuccess)
        {
            if (id is not null) _ids.Forget(id);
            if (who.Email is { } e && _ids.TryGet("email", e, out var byEmail)) _ids.Forget(byEmail);
            if (who.PhoneNumber is { } p && _ids.TryGet("phone_number", p, out var byPhone)) _ids.Forget(byPhone);
            return BatchResult.Delivered(sent.Status);
        }
        return AudienceResults.Whole(sent);
    }

    /// <summary>The deletion job's body: the profile by Klaviyo id when known, else by email or phone number.</summary>
    internal static byte[] DeletionBody(string? id, ProfileIdentifiers who)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("data"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "data-privacy-deletion-job"u8);
            json.WritePropertyName("attributes"u8);
            json.WriteStartObject();
            json.WritePropertyName("profile"u8);
            json.WriteStartObject();
            json.WritePropertyName("data"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, "profile"u8);
            if (id is not null) json.WriteString("id"u8, id);
            json.WritePropertyName("attributes"u8);
            json.WriteStartObject();
            if (id is null && who.Email is { } email) json.WriteString("email"u8, email);
            else if (id is null && who.PhoneNumber is { } phone) json.WriteString("phone_number"u8, phone);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
