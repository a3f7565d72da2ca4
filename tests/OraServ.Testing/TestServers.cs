namespace OraServ.Testing;

/// <summary>
/// One PostgreSQL and one RabbitMQ for the whole test run: those the test command started (ORASERV_TEST_POSTGRES_PORT,
/// ORASERV_TEST_RABBITMQ_PORT) or, when it started none, throwaway servers on free loopback ports, stopped when the run ends.
/// Each test then takes a fresh database of its own.
/// </summary>
public sealed class TestServers
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static TestServers? _shared;
    private readonly List<ServerProcess> _owned = [];

    public required int PostgresPort { get; init; }
    public required string RabbitMqConnectionString { get; init; }

    public static async Task<TestServers> SharedAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<TestServers> StartAsync()
    {
        var pgPort = int.TryParse(Environment.GetEnvironmentVariable("ORASERV_TEST_POSTGRES_PORT"), out var p) ? p : 0;
        var mqPort = int.TryParse(Environment.GetEnvironmentVariable("ORASERV_TEST_RABBITMQ_PORT"), out var m) ? m : 0;
        var owned = new List<ServerProcess>();
        var root = pgPort == 0 || mqPort == 0 ? ServerProcess.NewDataRoot() : "";
        var startups = new List<Task>();
        if (pgPort == 0)
        {
            var pg = new LocalPostgres(Path.Combine(root, "postgres"), ServerProcess.FreePort());
            owned.Add(pg);
            startups.Add(pg.StartAsync());
            pgPort = pg.Port;
        }
        if (mqPort == 0)
        {
            var mq = new LocalRabbitMq(Path.Combine(root, "rabbitmq"), ServerProcess.FreePort(span: 2));
            owned.Add(mq);
            startups.Add(mq.StartAsync());
            mqPort = mq.Port;
        }
        await Task.WhenAll(startups);
        var servers = new TestServers { PostgresPort = pgPort, RabbitMqConnectionString = $"amqp://guest:guest@127.0.0.1:{mqPort}/" };
        servers._owned.AddRange(owned);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in servers._owned)
            {
                server.StopAsync().GetAwaiter().GetResult();
            }
        };
        return servers;
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={PostgresPort};Username=oraserv;Database={database};Maximum Pool Size=40";

    /// <summary>A name for a database of this test's own; EF's Migrate creates it.</summary>
    public static string NewDatabaseName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)];
}
