using System.Data.Common;
using Npgsql;

namespace OraServ.Messaging;

/// <summary>How every service and the gateway connect to PostgreSQL.</summary>
public static class DatabaseConnections
{
    /// <summary>
    /// The connection string with Npgsql's automatic statement preparation on and the pool's session reset off, each
    /// unless the connection string sets it. The services run the same few dozen statements all day: prepared once per
    /// connection, PostgreSQL no longer parses and plans each of them on every call. No service changes session state
    /// (no SET, LISTEN, advisory locks or temporary tables outside a transaction), so the DISCARD ALL that Npgsql sends
    /// before a pooled connection is used again only cost a round of work, and would drop the prepared statements.
    /// Behind a pooler in transaction mode (PgBouncer), set Max Auto Prepare=0 in the connection string.
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
        return tuned.ConnectionString;
    }

    /// <summary>Whether the connection string's server runs on this machine: a loopback address or a Unix socket.</summary>
    public static bool OnThisMachine(string connectionString)
    {
        var hosts = new NpgsqlConnectionStringBuilder(connectionString).Host?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [];
        return hosts.Length > 0 && hosts.All(host =>
        {
            // A host may carry its port (host:port); an IPv6 address is bracketed then.
            var name = host.StartsWith('/') ? host : host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
            return name.StartsWith('/') || name.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || (System.Net.IPAddress.TryParse(name, out var address) && System.Net.IPAddress.IsLoopback(address));
        });
    }
}
