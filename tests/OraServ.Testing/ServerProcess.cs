using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OraServ.Testing;

/// <summary>A server started from one of the deploy/local scripts, on loopback, with its data in a throwaway folder.</summary>
public abstract class ServerProcess : IAsyncDisposable
{
    private Process? _process;
    private TextWriter? _log;
    private readonly string _script;

    protected ServerProcess(string script, string dataDirectory, int port)
    {
        _script = script;
        DataDirectory = dataDirectory;
        Port = port;
    }

    public string DataDirectory { get; }
    public int Port { get; }
    public bool IsRunning => _process is { HasExited: false };

    public async Task StartAsync(CancellationToken ct = default)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(RepositoryPaths.Scripts, _script), DataDirectory, Port.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server stops itself when this process is gone, even when the test host is killed before it can stop it.
            Environment = { ["ORASERV_STOP_WITH_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        };
        _process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {_script}.");
        // What the server prints (its warnings and errors), kept beside its data for when a test fails.
        _log?.Dispose();
        var log = _log = TextWriter.Synchronized(new StreamWriter(LogPath, append: true) { AutoFlush = true });
        log.WriteLine($"--- {DateTimeOffset.UtcNow:O} {_script} started on port {Port}");
        _process.OutputDataReceived += (_, e) => WriteLine(log, e.Data);
        _process.ErrorDataReceived += (_, e) => WriteLine(log, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await IsReadyAsync(ct))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{_script} on port {Port} did not become ready (exit code {(_process.HasExited ? _process.ExitCode : -1)}).");
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>The server's output over every start: beside its data folder.</summary>
    public string LogPath => DataDirectory.TrimEnd('/') + ".log";

    /// <summary>The last lines of the server's output, for a test's failure message.</summary>
    public string LogTail(int lines = 30)
    {
        try
        {
            using var reader = new StreamReader(new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException ex)
        {
            return $"(no output: {ex.Message})";
        }
    }

    private static void WriteLine(TextWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        try
        {
            log.WriteLine(line);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        await StopGracefullyAsync(_process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _log?.Dispose();
        _log = null;
    }

    protected abstract Task<bool> IsReadyAsync(CancellationToken ct);

    /// <summary>
    /// The signal that shuts the server down cleanly: TERM for both (postgres.sh makes it PostgreSQL's fast shutdown). Not
    /// INT: a script started in the background of another ignores SIGINT and cannot trap it.
    /// </summary>
    private const string StopSignal = "TERM";

    private async Task StopGracefullyAsync(Process process)
    {
        using var kill = Process.Start("kill", ["-" + StopSignal, process.Id.ToString()]);
        await kill!.WaitForExitAsync();
    }

    protected static async Task<bool> PortAnswersAsync(int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A loopback port that is free now, and whose next <paramref name="span"/> - 1 ports are free too. Taken below Linux's
    /// ephemeral range (32768-60999): the tests stop servers and start them again on the same port, and a port in that
    /// range can meanwhile be taken as some client connection's own source port, so the server could not bind it again.
    /// </summary>
    public static int FreePort(int span = 1)
    {
        while (true)
        {
            var port = Random.Shared.Next(FirstPort, LastPort - span + 2);
            // Never the same port twice in one test run: tests in parallel ask before any of them binds its port.
            lock (HandedOut)
            {
                if (Enumerable.Range(port, span).All(p => !HandedOut.Contains(p) && IsFree(p)))
                {
                    HandedOut.UnionWith(Enumerable.Range(port, span));
                    return port;
                }
            }
        }
    }

    // Below the local run's fixed ports (27432, 27672-27673, see OraServ.AppHost/appsettings.json).
    private const int FirstPort = 20000;
    private const int LastPort = 26999;
    private static readonly HashSet<int> HandedOut = [];

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A folder every user can traverse (PostgreSQL runs as the postgres user when the tests run as root).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static string NewDataRoot()
    {
        var root = Path.Combine(Path.GetTempPath(), "oraserv-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(root, open);
        File.SetUnixFileMode(Path.GetDirectoryName(root)!, open);
        return root;
    }
}

public sealed class LocalPostgres(string dataDirectory, int port) : ServerProcess("postgres.sh", dataDirectory, port)
{
    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=oraserv;Database={database};Maximum Pool Size=40";

    protected override async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        if (!await PortAnswersAsync(Port, ct))
        {
            return false;
        }
        try
        {
            // Unpooled: a pooled connection left from before a restart opens without asking the server, which may still
            // be starting up and refuse every new connection (57P03).
            await using var connection = new Npgsql.NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
            await connection.OpenAsync(ct);
            await using var command = new Npgsql.NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(ct);
            return true;
        }
        catch (Npgsql.NpgsqlException)
        {
            return false;
        }
    }
}

public sealed class LocalRabbitMq(string dataDirectory, int port) : ServerProcess("rabbitmq.sh", dataDirectory, port)
{
    public string ConnectionString => $"amqp://guest:guest@127.0.0.1:{Port}/";

    protected override async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        if (!await PortAnswersAsync(Port, ct))
        {
            return false;
        }
        try
        {
            await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(ConnectionString) }.CreateConnectionAsync(ct);
            return connection.IsOpen;
        }
        catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException)
        {
            return false;
        }
    }
}
