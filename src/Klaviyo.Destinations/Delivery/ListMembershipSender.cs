using System.Buffers;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>
/// Adds profiles to a list and removes them (<c>POST</c>/<c>DELETE /api/lists/{id}/relationships/profiles</c>). The
/// request takes Klaviyo profile ids, which <see cref="ProfileIdLookup"/> supplies; an id Klaviyo no longer knows (a
/// merged or deleted profile) is looked up once more, then rejected.
/// </summary>
internal sealed class ListMembershipSender
{
    private static readonly HttpMethod s_delete = HttpMethod.Delete;

    private readonly KlaviyoTransport _transport;
    private readonly ProfileIdCache _ids;
    private readonly ProfileIdLookup _lookup;

    public ListMembershipSender(KlaviyoTransport transport, ProfileIdCache ids, ProfileIdLookup lookup)
    {
        _transport = transport;
        _ids = ids;
        _lookup = lookup;
    }

    public async Task<BatchResult> SendAsync(Batch batch, bool add, CancellationToken cancellationToken)
    {
        var listId = batch.ListId!;
        var items = batch.Items;
        var ids = new string?[items.Count];
        var settled = new Dictionary<int, ItemRejection>();
        var rejected = new HashSet<int>();
        var all = Enumerable.Range(0, items.Count).ToList();
        var failure = await _lookup.ResolveAsync(batch, all, ids, add, settled, rejected, cancellationToken).ConfigureAwait(false);
        if (failure is not null) return failure;

        var endpoint = add ? KlaviyoEndpoint.ListAdd : KlaviyoEndpoint.ListRemove;
        var uri = new Uri(_transport.BaseUrl, KlaviyoPaths.PathOf(endpoint, listId));
        for (var round = 0; ; round++)
        {
            var distinct = new List<string>();
            var index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
                if (!settled.ContainsKey(i) && ids[i] is { } id && index.TryAdd(id, distinct.Count)) distinct.Add(id);
            if (distinct.Count == 0) return AudienceResults.Finished(settled, rejected);

            var body = ListBody(distinct);
            _transport.Metrics?.BatchSent(KlaviyoTransport.Name(endpoint), distinct.Count, body.Length);
            var answer = await _transport.SendAsync(endpoint, uri, body, cancellationToken, add ? HttpMethod.Post : s_delete).ConfigureAwait(false);
            if (answer.IsSuccess) return AudienceResults.Finished(settled, rejected);
            var errors = ApiError.ReadAll(answer.Body);
            var first = errors.FirstOrDefault();
            var result = BatchResult.From(answer, errors);
            if (result.Verdict == BatchVerdict.Retry) return result;
            if (answer.Status == 404)
                return AudienceResults.RejectAll(answer, $"Klaviyo has no list '{listId}' ({answer.Describe(first?.Detail)}). Check AudienceLists, DefaultListId or Integrations.Klaviyo.ListId.", "/data/relationships/list");

            // Pointers such as /data/3/id name ids Klaviyo does not know (a stale cache entry: the profile was merged
            // or deleted). The first time, look those people up again; after that, reject them.
            var stale = new HashSet<string>(StringComparer.Ordinal);
            foreach (var error in errors)
                if (AudienceResults.TryIndex(error.Pointer, "/data/", out var n) && n < distinct.Count) stale.Add(distinct[n]);
            if (stale.Count == 0) return AudienceResults.RejectAll(answer, answer.Describe(first?.Detail), first?.Pointer);
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
                    settled[i] = new ItemRejection(i, answer.Describe(errors.FirstOrDefault(e => AudienceResults.TryIndex(e.Pointer, "/data/", out var n) && n < distinct.Count && distinct[n] == id)?.Detail), "/data/id");
                    rejected.Add(i);
                }
            }
            if (again.Count > 0)
            {
                failure = await _lookup.ResolveAsync(batch, again, ids, add, settled, rejected, cancellationToken, useCache: false).ConfigureAwait(false);
                if (failure is not null) return failure;
            }
        }
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
}
