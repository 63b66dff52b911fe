namespace Klaviyo.Destinations;

/// <summary>A thread-safe map that keeps at most <c>capacity</c> entries, dropping the least recently used. Capacity 0 keeps nothing.</summary>
internal sealed class BoundedCache<TKey, TValue> where TKey : notnull
{
    private readonly object _gate = new();
    private readonly int _capacity;
    private readonly Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>> _map;
    private readonly LinkedList<KeyValuePair<TKey, TValue>> _order = new();

    public BoundedCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        _capacity = Math.Max(0, capacity);
        _map = new Dictionary<TKey, LinkedListNode<KeyValuePair<TKey, TValue>>>(comparer);
    }

    public int Count
    {
        get { lock (_gate) return _map.Count; }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                _order.AddFirst(node);
                value = node.Value.Value;
                return true;
            }
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (_capacity == 0) return;
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                node.Value = new KeyValuePair<TKey, TValue>(key, value);
                _order.AddFirst(node);
                return;
            }
            if (_map.Count >= _capacity && _order.Last is { } oldest)
            {
                _order.RemoveLast();
                _map.Remove(oldest.Value.Key);
            }
            _map.Add(key, _order.AddFirst(new KeyValuePair<TKey, TValue>(key, value)));
        }
    }

    public void Remove(TKey key)
    {
        lock (_gate)
        {
            if (_map.Remove(key, out var node)) _order.Remove(node);
        }
    }

    /// <summary>Removes every entry that matches.</summary>
    public void RemoveWhere(Func<TKey, TValue, bool> match)
    {
        lock (_gate)
        {
            for (var node = _order.First; node is not null;)
            {
                var next = node.Next;
                if (match(node.Value.Key, node.Value.Value))
                {
                    _map.Remove(node.Value.Key);
                    _order.Remove(node);
                }
                node = next;
            }
        }
    }
}
