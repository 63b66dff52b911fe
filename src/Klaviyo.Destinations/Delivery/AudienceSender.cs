using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends list membership changes, subscription jobs and privacy deletions. List changes take Klaviyo profile ids: they
/// come from the <see cref="ProfileIdCache"/>, else from one <c>GET /api/profiles?filter=any(email,[…])</c> per 100
/// emails (external id or phone number for people without one), else (additions only) from creating the profile with
/// <c>/api/profile-import</c>. An unsubscription limited to
/// a list is checked against the list's members first (<c>GET /api/lists/{id}/profiles</c>), because Klaviyo
/// unsubscribes a profile that is not in the given list from the channel globally.
/// </summary>
internal sealed class AudienceSender
{
    private static readonly HttpMethod s_delete = HttpMethod.Delete;

    private readonly KlaviyoTransport _transport;
    private readonly KlaviyoDestinationOptions _options;
    private readonly ProfileIdCache _ids;
    private readonly ILogger _logger;

    public AudienceSender(KlaviyoTransport transport, KlaviyoDestinationOptions options, ProfileIdCache ids, ILogger logger)
    {
        _transport = transport;
        _options = options;
        _ids = ids;
        _logger = logger;
    }

    public static bool Handles(KlaviyoEndpoint endpoint) =>
        endpoint is KlaviyoEndpoint.ListAdd or KlaviyoEndpoint.ListRemove or KlaviyoEndpoint.SubscribeJob or KlaviyoEndpoint.UnsubscribeJob or KlaviyoEndpoint.DeletionJob;

    public Task<BatchResult> SendAsync(Batch batch, CancellationToken cancellationToken) => batch.Endpoint switch
    {
        KlaviyoEndpoint.ListAdd => SendListChangeAsync(batch, add: true, cancellationToken),
        KlaviyoEndpoint.ListRemove => SendListChangeAsync(batch, add: false, cancellationToken),
        KlaviyoEndpoint.SubscribeJob => SendSubscriptionsAsync(batch, subscribe: true, cancellationToken),
        KlaviyoEndpoint.UnsubscribeJob => SendSubscriptionsAsync(batch, subscribe: false, cancellationToken),
        _ => SendDeletionAsync(batch, cancellationToken),
    };

    // ---------------------------------------------------------------- list membership

    private async Task<BatchResult> SendListChangeAsync(Batch batch, bool add, CancellationToken cancellationToken)
    {
        var listId = batch.ListId!;
        var items = batch.Items;
        var ids = new string?[items.Count];
        var settled = new Dictionary<int, ItemRejection>();
        var rejected = new HashSet<int>();
        var all = Enumerable.Range(0, items.Count).ToList();
        var failure = await ResolveAsync(batch, all, ids, add, settled, rejected, cancellationToken).ConfigureAwait(false);
        if (failure is not null) return failure;

        var endpoint = add ? KlaviyoEndpoint.ListAdd : KlaviyoEndpoint.ListRemove;
        var uri = new Uri(_transport.BaseUrl, $"/api/lists/{Uri.EscapeDataString(listId)}/relationships/profiles");
        for (var round = 0; ; round++)
        {
            var distinct = new List<string>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
                if (!settled.ContainsKey(i) && ids[i] is { } id && index.TryAdd(id, distinct.Count)) distinct.Add(id);
            if (distinct.Count == 0) return Finished(settled, rejected);

            var body = ListBody(distinct);
            _transport.Metrics?.BatchSent(KlaviyoTransport.Name(endpoint), distinct.Count, body.Length);
            var answer = await _transport.SendAsync(endpoint, uri, body, cancellationToken, add ? HttpMethod.Post : s_delete).ConfigureAwait(false);
            if (answer.IsSuccess) return Finished(settled, rejected);
            var errors = ApiError.ReadAll(answer.Body);
            var first = errors.FirstOrDefault();
            if (answer.IsTransient) return new BatchResult(BatchVerdict.Retry, answer.Status, answer.Describe(first?.Detail), first?.Pointer, answer.RetryAfter);
            if (answer.Status == 404)
                return RejectAll(answer, $"Klaviyo has no list '{listId}' ({answer.Describe(first?.Detail)}). Check AudienceLists, DefaultListId or Integrations.Klaviyo.ListId.", "/data/relationships/list");

            // Pointers such as /data/3/id name ids Klaviyo does not know (a stale cache entry: the profile was merged
            // or deleted). The first time, look those people up again; after that, reject them.
            var stale = new HashSet<string>(StringComparer.Ordinal);
            foreach (var error in errors)
                if (TryIndex(error.Pointer, "/data/", out var n) && n < distinct.Count) stale.Add(distinct[n]);
            if (stale.Count == 0) return RejectAll(answer, answer.Describe(first?.Detail), first?.Pointer);
            var again = new List<int>();
            for (var i = 0; i < items.Count; i++)
            {
                if (settled.ContainsKey(i) || ids[i] is not { } id || !stale.Contains(id)) continue;
                _ids.Forget(id);
                if (round == 0)
                {
                    ids[i] = null;
                    again.Add(i);
                }
                else
                {
                    settled[i] = new ItemRejection(i, answer.Describe(errors.FirstOrDefault(e => TryIndex(e.Pointer, "/data/", out var n) && n < distinct.Count && distinct[n] == id)?.Detail), "/data/id");
                    rejected.Add(i);
                }
            }
            if (again.Count > 0)
            {
                failure = await ResolveAsync(batch, again, ids, add, settled, rejected, cancellationToken, useCache: false).ConfigureAwait(false);
                if (failure is not null) return failure;
            }
        }
    }

    /// <summary>
    /// Fills <paramref name="ids"/> for the items in <paramref name="which"/>: cache, then look-ups (email, else external id, else phone), then (when
    /// <paramref name="create"/>) profile creation. Items that cannot be resolved are settled (rejected or skipped).
    /// Returns a result only when the whole batch must stop (retry, or a failure that is not about one item).
    /// </summary>
    private async Task<BatchResult?> ResolveAsync(Batch batch, List<int> which, string?[] ids, bool create,
        Dictionary<int, ItemRejection> settled, HashSet<int> rejected, CancellationToken cancellationToken, bool useCache = true)
    {
        var items = batch.Items;
        var missing = new List<(int Index, string Field, string Value)>();
        var cached = 0;
        foreach (var i in which)
        {
            var who = ProfileIdentifiers.Read(items[i].Item.Profile);
            // Email identifies audience members; computed audiences may name people by external id or phone instead.
            var (field, value) = who.Email is { } e ? ("email", e) : who.ExternalId is { } x ? ("external_id", x) : who.PhoneNumber is { } p ? ("phone_number", p) : ("", null);
            if (who.Id is { } known)
            {
                ids[i] = known;
            }
            else if (value is null)
            {
                settled[i] = new ItemRejection(i, "A list membership change needs the person's email (mParticle's rule: email identifies audience members).", "email");
                rejected.Add(i);
            }
            else if (useCache && _ids.TryGet(field, value, out var id))
            {
                ids[i] = id;
                cached++;
            }
            else
            {
                missing.Add((i, field, value));
            }
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in missing.GroupBy(m => m.Field))
        {
            var values = group.Select(m => m.Value).Distinct(group.Key == "email" ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal).ToList();
            for (var start = 0; start < values.Count; start += AudienceBatching.MaxLookupPerCall)
            {
                var chunk = values.GetRange(start, Math.Min(AudienceBatching.MaxLookupPerCall, values.Count - start));
                var failure = await LookUpAsync(group.Key, chunk, found, cancellationToken).ConfigureAwait(false);
                if (failure is not null) return failure;
            }
        }

        var created = 0;
        foreach (var (i, field, value) in missing)
        {
            if (found.TryGetValue(FoundKey(field, value), out var id))
            {
                ids[i] = id;
                continue;
            }
            if (!create)
            {
                settled[i] = new ItemRejection(i, $"Klaviyo has no profile with {field} {value}, so it is in no list; nothing to remove.", null);
                continue;
            }
            var answer = await _transport.SendAsync(KlaviyoEndpoint.ProfileImport, new Uri(_transport.BaseUrl, RequestComposer.ProfileImportPath),
                RequestComposer.SingleBody(items[i].Item), cancellationToken).ConfigureAwait(false);
            if (answer.IsSuccess && _ids.RememberAnswer(answer.Body) is { } newId)
            {
                ids[i] = newId;
                found[FoundKey(field, value)] = newId;
                created++;
                continue;
            }
            var first = ApiError.ReadAll(answer.Body).FirstOrDefault();
            if (answer.IsTransient || answer.IsSuccess)
                return new BatchResult(BatchVerdict.Retry, answer.Status, answer.Describe(first?.Detail ?? "no profile id in the answer"), first?.Pointer, answer.RetryAfter);
            if (answer.Status is 401 or 403) return RejectAll(answer, answer.Describe(first?.Detail), first?.Pointer);
            settled[i] = new ItemRejection(i, $"The profile could not be created before adding it to the list: {answer.Describe(first?.Detail)}", first?.Pointer);
            rejected.Add(i);
        }
        AudienceLog.Resolved(_logger, cached, missing.Count - created, created, batch.ToString());
        return null;
    }

    /// <summary>One <c>GET /api/profiles?filter=any(field,[…])</c>; remembers every profile found (keys <c>field:value</c> in <paramref name="found"/>).</summary>
    private async Task<BatchResult?> LookUpAsync(string field, List<string> values, Dictionary<string, string> found, CancellationToken cancellationToken)
    {
        var query = $"/api/profiles?filter={Uri.EscapeDataString(AnyFilter(field, values))}&page%5Bsize%5D={AudienceBatching.MaxLookupPerCall}";
        var (answer, resources) = await ReadCollectionAsync(KlaviyoEndpoint.GetProfiles, query, cancellationToken).ConfigureAwait(false);
        if (resources is null) return Failure(answer);
        foreach (var resource in resources)
        {
            using var document = JsonDocument.Parse(resource);
            var root = document.RootElement;
            if (_ids.Remember(root) is { } id && root.TryGetProperty("attributes", out var attributes) &&
                attributes.ValueKind == JsonValueKind.Object && Mapping.JsonText.Member(attributes, field) is { } value)
                found[FoundKey(field, value)] = id;
        }
        return null;
    }

    // ---------------------------------------------------------------- consent

    private async Task<BatchResult> SendSubscriptionsAsync(Batch batch, bool subscribe, CancellationToken cancellationToken)
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
        if (rows.Count == 0) return Finished(settled, rejected);

        var endpoint = subscribe ? KlaviyoEndpoint.SubscribeJob : KlaviyoEndpoint.UnsubscribeJob;
        var body = SubscriptionBody(batch, rows, subscribe, _options.ConsentSource);
        _transport.Metrics?.BatchSent(KlaviyoTransport.Name(endpoint), rows.Count, body.Length);
        var answer = await _transport.SendAsync(endpoint, new Uri(_transport.BaseUrl, KlaviyoTransport.Name(endpoint)), body, cancellationToken).ConfigureAwait(false);
        if (answer.IsSuccess) return Finished(settled, rejected);
        var errors = ApiError.ReadAll(answer.Body);
        var first = errors.FirstOrDefault();
        if (answer.IsTransient) return new BatchResult(BatchVerdict.Retry, answer.Status, answer.Describe(first?.Detail), first?.Pointer, answer.RetryAfter);
        var named = new List<ItemRejection>();
        var seen = new HashSet<int>();
        foreach (var error in errors)
        {
            if (!TryIndex(error.Pointer, "/data/attributes/profiles/data/", out var n) || n >= rows.Count) continue;
            if (seen.Add(rows[n]))
            {
                var rest = error.Pointer!.Substring("/data/attributes/profiles/data/".Length + n.ToString(CultureInfo.InvariantCulture).Length);
                named.Add(new ItemRejection(rows[n], answer.Describe(error.Detail), "/data" + rest));
            }
        }
        foreach (var i in rejected) named.Add(settled[i]);
        return new BatchResult(BatchVerdict.Rejected, answer.Status, answer.Describe(first?.Detail), first?.Pointer)
        {
            Rejections = named,
            Splittable = named.Count == 0 && answer.Status is 400 or 409 or 422,
        };
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
                var query = $"/api/lists/{Uri.EscapeDataString(listId)}/profiles?filter={Uri.EscapeDataString(AnyFilter(field, chunk))}&page%5Bsize%5D={AudienceBatching.MaxLookupPerCall}";
                var (answer, resources) = await ReadCollectionAsync(KlaviyoEndpoint.GetListProfiles, query, cancellationToken).ConfigureAwait(false);
                if (resources is null)
                {
                    return ([], answer.Status == 404
                        ? RejectAll(answer, $"Klaviyo has no list '{listId}' ({answer.Describe(ApiError.ReadAll(answer.Body).FirstOrDefault()?.Detail)}).", "/data/relationships/list")
                        : Failure(answer));
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

    // ---------------------------------------------------------------- deletion

    private async Task<BatchResult> SendDeletionAsync(Batch batch, CancellationToken cancellationToken)
    {
        var who = ProfileIdentifiers.Read(batch.Items[0].Item.Profile);
        var id = who.Id;
        if (id is null && who.ExternalId is { } externalId)
        {
            // The deletion job accepts only id, email or phone_number: resolve the external id first.
            if (!_ids.TryGet("external_id", externalId, out var cached))
            {
                var query = $"/api/profiles?filter={Uri.EscapeDataString(AnyFilter("external_id", [externalId]))}";
                var (answer, resources) = await ReadCollectionAsync(KlaviyoEndpoint.GetProfiles, query, cancellationToken).ConfigureAwait(false);
                if (resources is null) return Failure(answer);
                foreach (var resource in resources)
                {
                    using var document = JsonDocument.Parse(resource);
                    cached = _ids.Remember(document.RootElement) ?? cached;
                }
                if (cached is null)
                    return BatchResult.Delivered(answer.Status) with { Skips = [new ItemRejection(0, $"Klaviyo has no profile with external_id {externalId}; nothing to delete.", "external_id")] };
            }
            id = cached;
        }

        var body = DeletionBody(id, who);
        _transport.Metrics?.BatchSent(KlaviyoTransport.Name(KlaviyoEndpoint.DeletionJob), 1, body.Length);
        var sent = await _transport.SendAsync(KlaviyoEndpoint.DeletionJob, new Uri(_transport.BaseUrl, KlaviyoTransport.Name(KlaviyoEndpoint.DeletionJob)), body, cancellationToken).ConfigureAwait(false);
        if (sent.IsSuccess)
        {
            if (id is not null) _ids.Forget(id);
            if (who.Email is { } e && _ids.TryGet("email", e, out var byEmail)) _ids.Forget(byEmail);
            if (who.PhoneNumber is { } p && _ids.TryGet("phone_number", p, out var byPhone)) _ids.Forget(byPhone);
            return BatchResult.Delivered(sent.Status);
        }
        var first = ApiError.ReadAll(sent.Body).FirstOrDefault();
        if (sent.IsTransient) return new BatchResult(BatchVerdict.Retry, sent.Status, sent.Describe(first?.Detail), first?.Pointer, sent.RetryAfter);
        return RejectAll(sent, sent.Describe(first?.Detail), first?.Pointer);
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

    // ---------------------------------------------------------------- helpers

    /// <summary>Reads a JSON:API collection (one page); null resources when the request failed.</summary>
    private async Task<(ApiAnswer Answer, List<byte[]>? Resources)> ReadCollectionAsync(KlaviyoEndpoint endpoint, string pathAndQuery, CancellationToken cancellationToken)
    {
        var answer = await _transport.SendAsync(endpoint, new Uri(_transport.BaseUrl, pathAndQuery), null, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess) return (answer, null);
        var resources = new List<byte[]>();
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            if (document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                foreach (var resource in data.EnumerateArray())
                    resources.Add(Encoding.UTF8.GetBytes(resource.GetRawText()));
        }
        catch (JsonException)
        {
            return (answer with { Status = 502, Failure = "Klaviyo answered with a body that is not JSON." }, null);
        }
        return (answer, resources);
    }

    private static string FoundKey(string field, string value) => field == "email" ? "email:" + value.ToUpperInvariant() : field + ":" + value;

    /// <summary><c>any(field,["a","b"])</c>, the values quoted and escaped.</summary>
    internal static string AnyFilter(string field, IEnumerable<string> values)
    {
        var sb = new StringBuilder("any(").Append(field).Append(",[");
        var first = true;
        foreach (var value in values)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }
        return sb.Append("])").ToString();
    }

    /// <summary>A list membership change's body: the profiles by Klaviyo id.</summary>
    internal static byte[] ListBody(List<string> ids)
    {
        var buffer = new ArrayBufferWriter<byte>(ids.Count * 48 + 16);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("data"u8);
            json.WriteStartArray();
            foreach (var id in ids)
            {
                json.WriteStartObject();
                json.WriteString("type"u8, "profile"u8);
                json.WriteString("id"u8, id);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static BatchResult Failure(ApiAnswer answer)
    {
        var first = ApiError.ReadAll(answer.Body).FirstOrDefault();
        return answer.IsTransient
            ? new BatchResult(BatchVerdict.Retry, answer.Status, answer.Describe(first?.Detail), first?.Pointer, answer.RetryAfter)
            : new BatchResult(BatchVerdict.Rejected, answer.Status, answer.Describe(first?.Detail), first?.Pointer);
    }

    private static BatchResult RejectAll(ApiAnswer answer, string reason, string? field) =>
        new(BatchVerdict.Rejected, answer.Status, reason, field);

    private static BatchResult Finished(Dictionary<int, ItemRejection> settled, HashSet<int> rejected) =>
        BatchResult.Delivered(204) with
        {
            Rejections = settled.Where(p => rejected.Contains(p.Key)).Select(p => p.Value).ToList(),
            Skips = settled.Where(p => !rejected.Contains(p.Key)).Select(p => p.Value).ToList(),
        };

    private static bool TryIndex(string? pointer, string prefix, out int index)
    {
        index = -1;
        if (pointer is null || !pointer.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var end = pointer.IndexOf('/', prefix.Length);
        var digits = end < 0 ? pointer.AsSpan(prefix.Length) : pointer.AsSpan(prefix.Length, end - prefix.Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
