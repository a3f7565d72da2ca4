using Npgsql;
using OraServ.Messaging;
using OraServ.Testing;
using Xunit;

namespace OraServ.IntegrationTests.Messaging;

public sealed class DatabaseConnectionsTests
{
    [Fact]
    public async Task A_statement_run_again_on_a_pooled_connection_is_prepared_once_and_stays_prepared()
    {
        var servers = await TestServers.SharedAsync();
        // A pool of its own: one connection, so the second open gets the same one back.
        var connectionString = DatabaseConnections.Tuned(servers.ConnectionString("postgres") + $";Application Name=tuned-{Guid.NewGuid():N};Maximum Pool Size=1");
        const string Statement = "SELECT count(*) FROM pg_class WHERE relname = @name";

        for (var i = 0; i < 3; i++)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(Statement, connection);
            command.Parameters.AddWithValue("name", "pg_class");
            Assert.Equal(1L, await command.ExecuteScalarAsync());
        }

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var prepared = new NpgsqlCommand("SELECT statement FROM pg_prepared_statements", connection);
            var statements = new List<string>();
            await using (var reader = await prepared.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    statements.Add(reader.GetString(0));
                }
            }
            Assert.Contains(statements, s => s.Contains("FROM pg_class WHERE relname = $1", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Connections_a_burst_opened_stay_open_through_the_pools_pruning()
    {
        var servers = await TestServers.SharedAsync();
        var name = $"kept-{Guid.NewGuid():N}";
        // Pruning every second over a 2 s window instead of every 10 s over 5 minutes: the same rule, sooner.
        var connectionString = DatabaseConnections.Tuned(servers.ConnectionString("postgres")
            + $";Application Name={name};Connection Idle Lifetime=2;Connection Pruning Interval=1");
        await using var source = NpgsqlDataSource.Create(connectionString);

        // A burst needs four connections at once; then they all sit idle.
        var burst = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => source.OpenConnectionAsync().AsTask()));
        var opened = burst.Select(c => c.ProcessID).Order().ToArray();
        foreach (var connection in burst)
        {
            await connection.DisposeAsync();
        }
        await Task.Delay(TimeSpan.FromSeconds(5));

        await using var watcher = new NpgsqlConnection(servers.ConnectionString("postgres"));
        await watcher.OpenAsync();
        await using var backends = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE application_name = @name ORDER BY pid", watcher);
        backends.Parameters.AddWithValue("name", name);
        var open = new List<int>();
        await using (var reader = await backends.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                open.Add(reader.GetInt32(0));
            }
        }
        Assert.Equal(opened, open);
    }

    [Fact]
    public void A_pool_smaller_than_what_it_keeps_keeps_all_it_may_open() =>
        Assert.Equal(3, new NpgsqlConnectionStringBuilder(DatabaseConnections.Tuned("Host=127.0.0.1;Database=x;Maximum Pool Size=3")).MinPoolSize);

    [Theory]
    [InlineData("Host=127.0.0.1;Database=x;Max Auto Prepare=0;No Reset On Close=false;Minimum Pool Size=0")]
    [InlineData("Host=127.0.0.1;Database=x;maxautoprepare=0;NoResetOnClose=false;MinPoolSize=0")]
    public void What_the_connection_string_sets_itself_is_kept(string connectionString)
    {
        var tuned = new NpgsqlConnectionStringBuilder(DatabaseConnections.Tuned(connectionString));

        Assert.Equal((0, false, 0), (tuned.MaxAutoPrepare, tuned.NoResetOnClose, tuned.MinPoolSize));
    }

    [Theory]
    [InlineData("Host=127.0.0.1;Database=x", true)]
    [InlineData("Host=localhost;Port=5432;Database=x", true)]
    [InlineData("Host=::1;Database=x", true)]
    [InlineData("Host=[::1]:5433;Database=x", true)]
    [InlineData("Host=127.0.0.1:5433,localhost;Database=x", true)]
    [InlineData("Host=/var/run/postgresql;Database=x", true)]
    [InlineData("Host=db.example.com;Database=x", false)]
    [InlineData("Host=10.0.0.5;Database=x", false)]
    [InlineData("Host=127.0.0.1,db.example.com;Database=x", false)]
    [InlineData("Database=x", false)]
    public void A_server_counts_as_on_this_machine_only_at_a_loopback_address_or_a_unix_socket(string connectionString, bool local) =>
        Assert.Equal(local, DatabaseConnections.OnThisMachine(connectionString));
}
