using System.Text;
using Klaviyo.Destinations.MParticle;

namespace Klaviyo.Destinations.Tests.Mapping;

/// <summary>
/// <see cref="MParticleBatchReader.ReadAsync"/> over a stream: one batch per line, or a pretty-printed JSON document (an
/// array of batches, or batches one after another) read one batch at a time with the line each starts on; a broken line
/// is refused alone, a broken document ends with a reason, a batch over the size limit is skipped and the rest read.
/// </summary>
public sealed class MParticleStreamTests
{
    private static string Batch(int n, bool pretty = false)
    {
        var json = $$$"""{"source_request_id":"s-{{{n}}}","user_identities":{"email":"p{{{n}}}@example.com"},"events":[{"event_type":"custom_event","data":{"event_name":"Event {{{n}}}","source_message_id":"e-{{{n}}}"}}]}""";
        return pretty ? System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) : json;
    }

    private static async Task<List<MParticlePart>> ReadAll(string text)
    {
        var parts = new List<MParticlePart>();
        await foreach (var part in MParticleBatchReader.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(text))))
            parts.Add(part);
        return parts;
    }

    [Fact]
    public async Task A_pretty_printed_array_of_batches_is_read_batch_by_batch_with_the_line_each_starts_on()
    {
        var pretty = "[\n" + string.Join(",\n", Enumerable.Range(1, 3).Select(n => Batch(n, pretty: true))) + "\n]\n";
        var linesPerBatch = Batch(1, pretty: true).Split('\n').Length;

        var parts = await ReadAll(pretty);

        Assert.Equal(["Event 1", "Event 2", "Event 3"], parts.Select(p => p.Message!.Name));
        Assert.Equal([2L, 2 + linesPerBatch, 2 + 2 * linesPerBatch], parts.Select(p => p.Line));
        Assert.All(parts, p => Assert.Null(p.Error));
    }

    [Fact]
    public async Task Pretty_printed_batches_one_after_another_and_one_per_line_both_read()
    {
        var concatenated = await ReadAll(Batch(1, pretty: true) + "\n" + Batch(2, pretty: true) + "\n");
        var ndjson = await ReadAll(Batch(1) + "\n" + Batch(2) + "\r\n\n" + Batch(3) + "\n");

        Assert.Equal(["Event 1", "Event 2"], concatenated.Select(p => p.Message!.Name));
        Assert.Equal(["Event 1", "Event 2", "Event 3"], ndjson.Select(p => p.Message!.Name));
        Assert.Equal([1L, 2, 4], ndjson.Select(p => p.Line));
    }

    [Fact]
    public async Task A_broken_line_is_refused_alone_and_the_next_lines_are_read()
    {
        var parts = await ReadAll(Batch(1) + "\n" + Batch(2)[..40] + "\n" + "{\"events\": [ } \n" + Batch(4) + "\n");

        Assert.Equal(["Event 1", "Event 4"], parts.Where(p => p.Message is not null).Select(p => p.Message!.Name));
        var refused = parts.Where(p => p.Message is null).ToList();
        Assert.Equal([2L, 3], refused.Select(p => p.Line));
        Assert.All(refused, p => Assert.True(p.Unreadable));
        Assert.Contains("end of the line", refused[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_that_breaks_off_ends_with_the_reason_after_the_batches_before_it()
    {
        var pretty = "[\n" + Batch(1, pretty: true) + ",\n" + Batch(2, pretty: true)[..60];

        var parts = await ReadAll(pretty);

        Assert.Equal("Event 1", parts[0].Message!.Name);
        var last = Assert.Single(parts, p => p.Message is null);
        Assert.True(last.Unreadable);
        Assert.Contains("the input ends inside this value", last.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_document_resumes_at_the_offset_after_a_batch_and_reads_the_rest_without_error(bool array)
    {
        var batches = Enumerable.Range(1, 3).Select(n => Batch(n, pretty: true)).ToList();
        var bytes = Encoding.UTF8.GetBytes(array ? "[\n" + string.Join(",\n", batches) + "\n]\n" : string.Join("\n", batches) + "\n");
        long offset, line;
        using (var first = new JsonValueReader(new MemoryStream(bytes)))
        {
            var read = await first.ReadAsync(CancellationToken.None);
            Assert.NotNull(read.Text);
            (offset, line) = (first.Position, read.LastLine);
        }

        var stream = new MemoryStream(bytes) { Position = offset };
        using var resumed = new JsonValueReader(stream, offset, line, isDocument: true);
        var rest = new List<JsonValueRead>();
        while (await resumed.ReadAsync(CancellationToken.None) is { End: false } value) rest.Add(value);

        Assert.All(rest, r => Assert.Null(r.Error));
        Assert.Equal(["Event 2", "Event 3"], rest.Select(r => MParticleBatchReader.Read(r.Text!).Single().Message!.Name));
        Assert.Equal(line + 1, rest[0].Line);
    }

    [Fact]
    public async Task A_document_far_larger_than_the_reader_buffer_is_read_one_batch_at_a_time()
    {
        // The reader keeps at most 4 KB: a 1 MB document of batches is read whole, a 5 KB batch in it is skipped.
        var huge = Batch(500).Replace("Event 500", "Event " + new string('x', 5000), StringComparison.Ordinal);
        var document = "[\n" + string.Join(",\n", Enumerable.Range(1, 6000).Select(n => n == 1000 ? huge : Batch(n, pretty: n % 2 == 0))) + "\n]";
        Assert.True(Encoding.UTF8.GetByteCount(document) > 1_000_000);
        using var reader = new JsonValueReader(new MemoryStream(Encoding.UTF8.GetBytes(document)), maxValueBytes: 4096);

        var read = 0;
        var refused = new List<JsonValueRead>();
        while (await reader.ReadAsync(CancellationToken.None) is { End: false } value)
        {
            if (value.Text is null) refused.Add(value);
            else if (MParticleBatchReader.Read(value.Text).Single().Message is not null) read++;
        }

        Assert.Equal(5999, read);
        var tooLong = Assert.Single(refused);
        Assert.Contains("longer than", tooLong.Error, StringComparison.Ordinal);
        Assert.True(reader.IsDocument);
    }
}
