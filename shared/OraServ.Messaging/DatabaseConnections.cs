using System.Data.Common;
using System.Net;
using Npgsql;

namespace OraServ.Messaging;

/// <summary>How every service and the gateway connect to PostgreSQL.</summary>
public static class DatabaseConnections
{
    /// <summary>How many connections a service's pool keeps open once opened, when its connection string does not say.</summary>
    public const int KeptConnections = 20;

    /// <summary>
    /// The connection string with Npgsql's automatic statement preparation on and the pool's session reset off, each
    /// unless the connection string sets it. The services run the same few dozen statements all day: prepared once per
    /// connection, PostgreSQL no longer parses and plans each of them on every call. No service changes session state
    /// (no SET, LISTEN, advisory locks or temporary tables outside a transaction), so the DISCARD ALL that Npgsql sends
    /// before a pooled connection is used again only cost a round of work, and would drop the prepared statements.
    /// Behind a pooler in transaction mode (PgBouncer), set Max Auto Prepare=0 in the connection string.
    /// <para>
    /// The pool also keeps up to <see cref="KeptConnections"/> connections open once it has opened them (Minimum Pool
    /// Size, unless set). With Npgsql's default of 0, every five minutes its pruning closes as many connections as were
    /// idle in the median of the last thirty ten-second samples, often all of them, even in the middle of a burst; the
    /// burst then opens them again, several at once: a fork, a login and the statements prepared again on each,
    /// on the cores the burst already keeps busy. On the local run at 50 sends a second Invoicing used up to 17, and both
    /// stalls of 14 runs (0.27 and 0.46 s) fell on the pruning's reopenings (docs/benchmarks.md, 2026-12-07).
    /// </para>
    /// </summary>
    public static string Tuned(string connectionString)
    {
        // Npgsql also takes its keywords without spaces (MaxAutoPrepare): either spelling counts as set.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", "", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
        {
            tuned.MaxAutoPrepare = 128;
        }
        if (!given.Contains("AutoPrepareMinUsages"))
        {
            tuned.AutoPrepareMinUsages = 2;
        }
        if (!given.Contains("NoResetOnClose"))
        {
            tuned.NoResetOnClose = true;
        }
        if (!given.Contains("MinimumPoolSize") && !given.Contains("MinPoolSize"))
        {
            tuned.MinPoolSize = Math.Min(KeptConnections, tuned.MaxPoolSize);
        }
        return tuned.ConnectionString;
    }

    /// <summary>Whether the connection string's servers run on this machine: loopback addresses or Unix sockets.</summary>
    public static bool OnThisMachine(string connectionString)
    {
        var hosts = new NpgsqlConnectionStringBuilder(connectionString).Host?
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        return hosts.Length > 0 && hosts.All(IsLocal);
    }

    private static bool IsLocal(string host)
    {
        if (host.StartsWith('/'))
        {
            // The folder of a Unix socket.
            return true;
        }
        // A host may carry its port (name:5432, 127.0.0.1:5432, [::1]:5432); a bare IPv6 address has colons of its own.
        var name = IPAddress.TryParse(host, out _) ? host : host.StartsWith('[') ? host.Split(']')[0][1..] : host.Split(':')[0];
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }
}
