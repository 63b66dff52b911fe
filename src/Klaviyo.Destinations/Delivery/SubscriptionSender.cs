using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends consent changes as subscription bulk jobs. An unsubscription limited to a list is checked against the list's
/// members first (<c>GET /api/lists/{id}/profiles</c>), because Klaviyo unsubscribes a profile that is not in the given
/// list from the channel globally (<see cref="KlaviyoDestinationOptions.UnsubscribeOutsideList"/> decides what happens).
/// </summary>
internal sealed class SubscriptionSender
{
    private readonly KlaviyoTransport _transport;
    private readonly KlaviyoDestinationOptions _options;
    private readonly ProfileIdCache _ids;
    private readonly ILogger _logger;

    public SubscriptionSender(KlaviyoTransport transport, KlaviyoDestinationOptions options, ProfileIdCache ids, ILogger logger)
    {
        _transport = transport;
        _options = options;
        _ids = ids;
        _logger = logger;
    }

    public async Task<BatchResult> SendAsync(Batch batch, bool subscribe, CancellationToken cancellationToken)
    {
        var items = batch.Items;
        var listId = batch.ListId;
        var rows = Enumerable.Range(0, items.Count).ToList();
        var settled = new Dictionary<int, ItemRejection>();
        var rejected = new HashSet<int>();
        if (!subscribe && listId is not null)
        {
            // The guard: a profile not in the list would be unsubscribed from the channel everywhere.
            var (outside, failure) = await OutsideListAsync(listId, items, cancellationToken).ConfigureAwait(false);
            if (failure is not null) return failure;
            if (outside.Count > 0)
            {
                if (_options.UnsubscribeOutsideList == UnsubscribeOutsideList.UnsubscribeGlobally)
                {
                    AudienceLog.GlobalUnsubscribe(_logger, outside.Count, listId);
                }
                else
                {
                    var reason = $"The profile is not in list {listId}. Klaviyo would unsubscribe it from the channel globally (every list), so nothing was sent (UnsubscribeOutsideList = {_options.UnsubscribeOutsideList}). To withdraw the consent everywhere, revoke it without a list.";
                    foreach (var i in outside)
                    {
                        settled[i] = new ItemRejection(i, reason, "/data/relationships/list");
                        if (_options.UnsubscribeOutsideList == UnsubscribeOutsideList.Reject) rejected.Add(i);
                    }
                    rows.RemoveAll(outside.Contains);
                }
            }
        }
        if (rows.Count == 0) return AudienceResults.Finished(settled, rejected);

        var endpoint = subscribe ? KlaviyoEndpoint.SubscribeJob : KlaviyoEndpoint.UnsubscribeJob;
        var body = SubscriptionBody(batch, rows, subscribe, _options.ConsentSource);
        _transport.Metrics?.BatchSent(KlaviyoTransport.Name(endpoint), rows.Count, body.Length);
        var answer = await _transport.SendAsync(endpoint, new Uri(_transport.BaseUrl, KlaviyoPaths.PathOf(endpoint)), body, cancellationToken).ConfigureAwait(false);
        if (answer.IsSuccess) return AudienceResults.Finished(settled, rejected);
        var errors = ApiError.ReadAll(answer.Body);
        var result = BatchResult.From(answer, errors);
        if (result.Verdict == BatchVerdict.Retry) return result;
        var named = new List<ItemRejection>();
        var seen = new HashSet<int>();
        foreach (var error in errors)
        {
            if (!AudienceResults.TryIndex(error.Pointer, "/data/attributes/profiles/data/", out var n) || n >= rows.Count) continue;
            if (seen.Add(rows[n]))
            {
                var rest = error.Pointer!.Substring("/data/attributes/profiles/data/".Length + n.ToString(CultureInfo.InvariantCulture).Length);
                named.Add(new ItemRejection(rows[n], answer.Describe(error.Detail), "/data" + rest));
            }
        }
        foreach (var i in rejected) named.Add(settled[i]);
        return result with { Rejections = named, Splittable = named.Count == 0 && result.Splittable };
    }

    /// <summary>Indices of the items whose profile is not a member of <paramref name="listId"/>, asked of Klaviyo (never cached: a stale answer could unsubscribe someone globally).</summary>
    private async Task<(List<int> Outside, BatchResult? Failure)> OutsideListAsync(string listId, List<PendingItem> items, CancellationToken cancellationToken)
    {
        var who = items.Select(i => ProfileIdentifiers.Read(i.Item.Profile)).ToList();
        var members = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (field, values) in new[]
                 {
                     ("email", who.Where(w => w.Email is not null).Select(w => w.Email!).Distinct(StringComparer.OrdinalIgnoreCase).ToList()),
                     ("phone_number", who.Where(w => w.Email is null && w.PhoneNumber is not null).Select(w => w.PhoneNumber!).Distinct(StringComparer.Ordinal).ToList()),
                 })
        {
            for (var start = 0; start < values.Count; start += AudienceBatching.MaxLookupPerCall)
            {
                var chunk = values.GetRange(start, Math.Min(AudienceBatching.MaxLookupPerCall, values.Count - start));
                var query = $"{KlaviyoPaths.PathOf(KlaviyoEndpoint.GetListProfiles, listId)}?filter={Uri.EscapeDataString(ProfileIdLookup.AnyFilter(field, chunk))}&page%5Bsize%5D={AudienceBatching.MaxLookupPerCall}";
                var (answer, resources) = await KlaviyoCollection.ReadPageAsync(_transport, KlaviyoEndpoint.GetListProfiles, query, cancellationToken).ConfigureAwait(false);
                if (resources is null)
                {
                    return ([], answer.Status == 404
                        ? AudienceResults.RejectAll(answer, $"Klaviyo has no list '{listId}' ({answer.Describe(ApiError.ReadAll(answer.Body).FirstOrDefault()?.Detail)}).", "/data/relationships/list")
                        : AudienceResults.Whole(answer));
                }
                foreach (var resource in resources)
                {
                    using var document = JsonDocument.Parse(resource);
                    _ids.Remember(document.RootElement);
                    if (document.RootElement.TryGetProperty("attributes", out var attributes) &&
                        Mapping.JsonText.Member(attributes, field) is { } value)
                        members.Add(value);
                }
            }
        }
        var outside = new List<int>();
        for (var i = 0; i < who.Count; i++)
        {
            var key = who[i].Email ?? who[i].PhoneNumber;
            if (key is null || !members.Contains(key)) outside.Add(i);
        }
        return (outside, null);
    }

    /// <summary>The subscription job's body for <paramref name="rows"/> of <paramref name="batch"/> (also the dry run's, which needs no profile ids).</summary>
    internal static byte[] SubscriptionBody(Batch batch, List<int> rows, bool subscribe, string? consentSource)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + rows.Sum(i => batch.Items[i].Item.Profile.Length + 40));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("data"u8);
            json.WriteStartObject();
            json.WriteString("type"u8, subscribe ? "profile-subscription-bulk-create-job"u8 : "profile-subscription-bulk-delete-job"u8);
            json.WritePropertyName("attributes"u8);
            json.WriteStartObject();
            if (subscribe)
            {
                if (consentSource is { Length: > 0 } source) json.WriteString("custom_source"u8, source);
                if (batch.Items[0].Item.HistoricalImport) json.WriteBoolean("historical_import"u8, true);
            }
            json.WritePropertyName("profiles"u8);
            json.WriteStartObject();
            json.WritePropertyName("data"u8);
            json.WriteStartArray();
            foreach (var i in rows)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "profile"u8);
                json.WritePropertyName("attributes"u8);
                json.WriteRawValue(batch.Items[i].Item.Profile, skipInputValidation: true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            if (batch.ListId is { } listId)
            {
                json.WritePropertyName("relationships"u8);
                json.WriteStartObject();
                json.WritePropertyName("list"u8);
                json.WriteStartObject();
                json.WritePropertyName("data"u8);
                json.WriteStartObject();
                json.WriteString("type"u8, "list"u8);
                json.WriteString("id"u8, listId);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
