namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The items a replica has read and not yet handed out, one line per partition in stream order (the order Redis stored
/// them, which is the order a person's items arrived, whichever replica accepted them). Only a line's first item can be
/// handed out; among the first items of the lines, the one with the lowest sequence goes first, so a replica's own items
/// still leave in its acceptance order when they are in different partitions. Not thread-safe: the queue uses it under
/// its lock.
/// </summary>
internal sealed class WaitingLines
{
    private readonly LinkedList<long>[] _lines;
    private readonly Dictionary<long, LinkedListNode<long>> _nodes = new();
    private readonly SortedSet<long> _heads = new();

    public WaitingLines(int partitions)
    {
        _lines = new LinkedList<long>[partitions];
        for (var i = 0; i < partitions; i++) _lines[i] = new LinkedList<long>();
    }

    /// <summary>Items waiting in all lines.</summary>
    public int Count => _nodes.Count;

    /// <summary>The sequence of the item that would be handed out next (the lowest among the lines' first items); false when all lines are empty.</summary>
    public bool TryPeek(out long sequence)
    {
        if (_heads.Count == 0)
        {
            sequence = 0;
            return false;
        }
        sequence = _heads.Min;
        return true;
    }

    /// <summary>Puts an item read from <paramref name="partition"/> at the end of its line (items are added in the order they were read, which is stream order).</summary>
    public void Add(int partition, long sequence)
    {
        var line = _lines[partition];
        _nodes.Add(sequence, line.AddLast(sequence));
        if (line.Count == 1) _heads.Add(sequence);
    }

    /// <summary>Removes an item wherever it is in its line (handed out, or finished without being handed out); false when it is not waiting.</summary>
    public bool Remove(long sequence)
    {
        if (!_nodes.Remove(sequence, out var node)) return false;
        var line = node.List!;
        if (line.First == node)
        {
            _heads.Remove(sequence);
            if (node.Next is { } next) _heads.Add(next.Value);
        }
        line.Remove(node);
        return true;
    }
}
