using System.Globalization;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>
/// A real multi-node Redis Cluster: <c>nodes</c> <c>redis-server</c> processes in cluster mode (each a
/// <see cref="RedisServer"/>: its own free loopback port, temporary directory and <c>nodes.conf</c>), each given an equal
/// range of the 16384 slots and joined with <c>CLUSTER MEET</c>; ready once every node logged "Cluster state changed: ok"
/// and answers <c>cluster_state:ok</c> with every node known and every slot assigned. Masters only by default (a node
/// killed takes its slots down with it); with <c>withReplicas</c>, one replica per master (<see cref="Replicas"/>), in
/// sync before the cluster is handed out, which takes its master's slots over when the master fails. Every process is killed and every directory removed on dispose, and killed when
/// the test process exits without disposing.
/// </summary>
internal sealed class RedisClusterServer : IAsyncDisposable
{
    private const int Slots = 16384;
    private readonly RedisServer[] _nodes;
    private readonly RedisServer[] _replicas;

    private RedisClusterServer(RedisServer[] nodes, RedisServer[] replicas)
    {
        _nodes = nodes;
        _replicas = replicas;
        AppDomain.CurrentDomain.ProcessExit += KillOnExit;
    }

    /// <summary>The nodes, in slot order: node <c>i</c> holds the <c>i</c>-th equal range of the slots.</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>Node <c>i</c>'s replica (empty without <c>withReplicas</c>).</summary>
    public IReadOnlyList<RedisServer> Replicas => _replicas;

    /// <summary>The StackExchange.Redis configuration string listing every node.</summary>
    public string Configuration =>
        string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.Port}")) + ",abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    /// <summary>The first slot of node <paramref name="node"/>'s range (the ranges are contiguous and in node order).</summary>
    private int FirstSlot(int node) => node * Slots / _nodes.Length;

    /// <summary>Which node the connection sends <paramref name="key"/>'s commands to (its slot's master).</summary>
    public int NodeOf(IConnectionMultiplexer connection, RedisKey key)
    {
        var endPoint = (System.Net.IPEndPoint)connection.GetServer(key).EndPoint;
        return Array.FindIndex(_nodes, n => n.Port == endPoint.Port);
    }

    /// <summary>The keys matching <paramref name="pattern"/> that node <paramref name="node"/> itself stores (SCAN on that node only).</summary>
    public IReadOnlyList<string> KeysOn(IConnectionMultiplexer connection, int node, string pattern) =>
        [.. connection.GetServer("127.0.0.1", _nodes[node].Port).Keys(pattern: pattern).Select(k => k.ToString())];

    /// <param name="nodes">How many masters (at least two).</param>
    /// <param name="appendOnly">Each node keeps an append-only file (so a node killed and started again comes back with its data).</param>
    /// <param name="fsync">The append-only file's fsync policy.</param>
    /// <param name="settings">Settings given to every node with <c>CONFIG SET</c> once the cluster is ok (e.g.
    /// <c>cluster-require-full-coverage no</c>); a node started again after <see cref="RedisServer.KillAsync"/> does not have them.</param>
    /// <param name="withReplicas">Starts one replica per master too (<see cref="Replicas"/>).</param>
    public static async Task<RedisClusterServer> StartAsync(int nodes = 3, bool appendOnly = false, string fsync = "everysec", IReadOnlyDictionary<string, string>? settings = null,
        bool withReplicas = false)
    {
        if (nodes < 2) throw new ArgumentOutOfRangeException(nameof(nodes), "A multi-node cluster has at least two nodes.");
        var starting = Enumerable.Range(0, withReplicas ? 2 * nodes : nodes).Select(_ => RedisServer.StartAsync(appendOnly, fsync, cluster: true)).ToArray();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var start in starting.Where(s => s.IsCompletedSuccessfully)) await start.Result.DisposeAsync();
            throw;
        }
        var cluster = new RedisClusterServer([.. starting.Take(nodes).Select(s => s.Result)], [.. starting.Skip(nodes).Select(s => s.Result)]);
        try
        {
            await cluster.JoinAsync(settings ?? new Dictionary<string, string>());
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    /// <summary>
    /// Gives each node its slot range and a distinct config epoch, introduces them to the first, waits until every node
    /// says the cluster is ok, then applies <paramref name="settings"/>.
    /// </summary>
    private async Task JoinAsync(IReadOnlyDictionary<string, string> settings)
    {
        var ok = _nodes.Select(n => n.LoggedAsync("Cluster state changed: ok")).ToArray();
        var admins = new List<ConnectionMultiplexer>();
        try
        {
            foreach (var node in _nodes) admins.Add(await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{node.Port},allowAdmin=true,connectTimeout=5000"));
            IServer Admin(int i) => admins[i].GetServer(admins[i].GetEndPoints()[0]);
            for (var i = 0; i < _nodes.Length; i++)
            {
                var last = (i + 1 == _nodes.Length ? Slots : FirstSlot(i + 1)) - 1;
                await Admin(i).ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", FirstSlot(i).ToString(CultureInfo.InvariantCulture), last.ToString(CultureInfo.InvariantCulture));
                // Distinct epochs from the start: no epoch collision to resolve, so the cluster settles sooner.
                await Admin(i).ExecuteAsync("CLUSTER", "SET-CONFIG-EPOCH", (i + 1).ToString(CultureInfo.InvariantCulture));
            }
            for (var i = 1; i < _nodes.Length; i++)
                await Admin(0).ExecuteAsync("CLUSTER", "MEET", "127.0.0.1", _nodes[i].Port.ToString(CultureInfo.InvariantCulture));
            await Task.WhenAll(ok).WaitAsync(TimeSpan.FromSeconds(30));
            if (_replicas.Length > 0) await AddReplicasAsync(Admin, settings);
            for (var i = 0; i < _nodes.Length; i++)
            {
                var info = (string)(await Admin(i).ExecuteAsync("CLUSTER", "INFO"))!;
                foreach (var expected in new[] { "cluster_state:ok", $"cluster_slots_assigned:{Slots}", $"cluster_known_nodes:{_nodes.Length + _replicas.Length}" })
                {
                    if (!info.Contains(expected, StringComparison.Ordinal))
                        throw new InvalidOperationException($"Redis Cluster node 127.0.0.1:{_nodes[i].Port} does not say {expected}:\n{info}");
                }
                foreach (var (name, value) in settings) await Admin(i).ExecuteAsync("CONFIG", "SET", name, value);
            }
        }
        finally
        {
            foreach (var admin in admins) await admin.DisposeAsync();
        }
    }

    /// <summary>
    /// Makes each replica process a replica of its master (<c>CLUSTER MEET</c>, then <c>CLUSTER REPLICATE</c>) and waits
    /// until every replica is in sync (<c>master_link_status:up</c>) and known to every master.
    /// </summary>
    private async Task AddReplicasAsync(Func<int, IServer> master, IReadOnlyDictionary<string, string> settings)
    {
        var admins = new List<ConnectionMultiplexer>();
        try
        {
            foreach (var replica in _replicas) admins.Add(await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{replica.Port},allowAdmin=true,connectTimeout=5000"));
            IServer Admin(int i) => admins[i].GetServer(admins[i].GetEndPoints()[0]);
            for (var i = 0; i < _replicas.Length; i++)
                await Admin(i).ExecuteAsync("CLUSTER", "MEET", "127.0.0.1", _nodes[0].Port.ToString(CultureInfo.InvariantCulture));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            for (var i = 0; i < _replicas.Length; i++)
            {
                var masterId = (string)(await master(i).ExecuteAsync("CLUSTER", "MYID"))!;
                // The replica must know its master before it can replicate it (gossip from the node it met).
                while (true)
                {
                    try
                    {
                        await Admin(i).ExecuteAsync("CLUSTER", "REPLICATE", masterId);
                        break;
                    }
                    catch (RedisServerException ex) when (ex.Message.Contains("Unknown node", StringComparison.OrdinalIgnoreCase))
                    {
                        await poll.WaitForNextTickAsync(deadline.Token);
                    }
                }
            }
            for (var i = 0; i < _replicas.Length; i++)
            {
                while (!((string)(await Admin(i).ExecuteAsync("INFO", "replication"))!).Contains("master_link_status:up", StringComparison.Ordinal)
                    || !((string)(await Admin(i).ExecuteAsync("CLUSTER", "INFO"))!).Contains("cluster_state:ok", StringComparison.Ordinal))
                    await poll.WaitForNextTickAsync(deadline.Token);
                foreach (var (name, value) in settings) await Admin(i).ExecuteAsync("CONFIG", "SET", name, value);
            }
            for (var i = 0; i < _nodes.Length; i++)
            {
                while (!((string)(await master(i).ExecuteAsync("CLUSTER", "INFO"))!).Contains($"cluster_known_nodes:{_nodes.Length + _replicas.Length}", StringComparison.Ordinal))
                    await poll.WaitForNextTickAsync(deadline.Token);
            }
        }
        finally
        {
            foreach (var admin in admins) await admin.DisposeAsync();
        }
    }

    /// <summary>A new connection to the cluster (each replica has its own), failing fast while a node cannot be reached.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        // A node started again is found within half a second (the default policy backs off up to 10 s between attempts).
        options.ReconnectRetryPolicy = new LinearRetry(500);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        // On a busy machine (and with replicas to discover) the client may still be connecting to some nodes when it returns.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (connection.GetServers().Count(s => s.IsConnected && s.ServerType == ServerType.Cluster && !s.IsReplica) != _nodes.Length)
        {
            if (deadline.IsCancellationRequested || !await poll.WaitForNextTickAsync(CancellationToken.None))
            {
                var seen = string.Join(", ", connection.GetServers().Select(s => $"{s.EndPoint} connected={s.IsConnected} type={s.ServerType} replica={s.IsReplica}"));
                await connection.DisposeAsync();
                throw new InvalidOperationException($"The connection does not see the {_nodes.Length} cluster masters within 30 s ({Configuration}): {seen}.");
            }
        }
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        AppDomain.CurrentDomain.ProcessExit -= KillOnExit;
        foreach (var node in _nodes.Concat(_replicas)) await node.DisposeAsync();
    }

    private void KillOnExit(object? sender, EventArgs e)
    {
        foreach (var node in _nodes.Concat(_replicas))
        {
            try
            {
                node.KillAsync().GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
