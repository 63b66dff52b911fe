using Klaviyo.Destinations.MParticle;

namespace Klaviyo.Destinations.Cli.Input;

/// <summary>One mParticle record of the input (a batch or an array of batches) as the send command's lines, through the library's <see cref="MParticleBatchReader"/>.</summary>
internal static class MParticleLines
{
    public static IReadOnlyList<SegmentLine> Parse(long number, string text, MParticleReadOptions options)
    {
        var parts = MParticleBatchReader.Read(text, options);
        var lines = new SegmentLine[parts.Count];
        for (var i = 0; i < parts.Count; i++)
            lines[i] = new SegmentLine(number, parts[i].Message, parts[i].Error) { Skipped = parts[i].Skipped };
        return lines;
    }
}
