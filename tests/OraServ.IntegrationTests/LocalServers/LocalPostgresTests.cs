using System.Diagnostics;
using Npgsql;
using OraServ.Testing;

namespace OraServ.IntegrationTests.LocalServers;

/// <summary>deploy/local/postgres.sh, which runs PostgreSQL for the local run and the tests when no container runtime answers.</summary>
public sealed class LocalPostgresTests
{
    [Fact]
    public async Task A_server_stopped_with_SIGTERM_while_clients_are_connected_shuts_down_cleanly()
    {
        var data = Path.Combine(ServerProcess.NewDataRoot(), "postgres");
        await using var postgres = new LocalPostgres(data, ServerProcess.FreePort());
        await postgres.StartAsync();
        // The services are still connected when Aspire's orchestrator sends SIGTERM (and a SIGKILL 6 s later).
        await using var client = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await client.OpenAsync();
        await using (var command = new NpgsqlCommand("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1)", client))
        {
            await command.ExecuteNonQueryAsync();
        }

        var stopping = Stopwatch.StartNew();
        await postgres.StopAsync();

        Assert.False(postgres.IsRunning);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(6), $"Stopped after {stopping.Elapsed.TotalSeconds:F1} s, after the orchestrator's SIGKILL would have come.");
        // "shut down", not "in production": the next start needs no crash recovery and keeps the statistics autovacuum uses.
        Assert.Contains("Database cluster state:               shut down", await ControlDataAsync(data), StringComparison.Ordinal);
    }

    private static async Task<string> ControlDataAsync(string data)
    {
        using var process = Process.Start(new ProcessStartInfo("/usr/lib/postgresql/15/bin/pg_controldata", [data])
        {
            RedirectStandardOutput = true,
            Environment = { ["LC_ALL"] = "C" },
        })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
