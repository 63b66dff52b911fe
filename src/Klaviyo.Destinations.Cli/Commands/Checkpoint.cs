using System.Globalization;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// The last input line whose messages all reached a final outcome, kept next to the input so an interrupted run
/// resumes after it. Written atomically (temp file + rename).
/// </summary>
internal sealed class Checkpoint(string path)
{
    public string Path { get; } = path;

    public long Read()
    {
        if (!File.Exists(Path)) return 0;
        var text = File.ReadAllText(Path).Trim();
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var line) ? line
            : throw new UsageException($"Checkpoint file '{Path}' is damaged ('{text}'); delete it or pass --restart.");
    }

    public void Write(long line)
    {
        var temp = Path + ".tmp";
        File.WriteAllText(temp, line.ToString(CultureInfo.InvariantCulture));
        File.Move(temp, Path, overwrite: true);
    }

    public void Delete()
    {
        if (File.Exists(Path)) File.Delete(Path);
    }
}
