using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace OraServ.LoadTests.Faults;

/// <summary>
/// The local run's servers and services as a fault run stops, kills and starts them. The app host (Aspire) starts each
/// once and does not start one again when it ends, so a process brought back here is started with what the app host
/// had given it (deploy/local/postgres.sh and rabbitmq.sh on the same data folders and ports; the same command line,
/// environment and folder for a service) through relaunch.sh, which stops it when the app host ends.
/// </summary>
public sealed class LocalRun(string root, Action<string> log)
{
    /// <summary>The fixed ports of the local run (README, "What runs where").</summary>
    public const int PostgresPort = 27432;
    public const int RabbitMqPort = 27672;

    private readonly Dictionary<string, int> _instances = [];

    private string DataFolder => Path.Combine(root, ".data");
    private string FaultLog => Path.Combine(DataFolder, "faults.log");

    public string Root => root;

    public string RabbitMqNode => $"oraserv{RabbitMqPort}@localhost";

    /// <summary>A process's command line, environment and working folder, to start it again as it was.</summary>
    public sealed record Launch(string[] Argv, Dictionary<string, string> Environment, string WorkingDirectory);

    public int AppHostPid() => ServiceProcesses.Find(root, "app host") is [var host, ..]
        ? host.Pid
        : throw new InvalidOperationException($"No app host of {root} runs: start the local run first (tests/OraServ.LoadTests/run.sh).");

    // ---- RabbitMQ: the node stopped (SIGTERM, a clean shutdown, as the app host stops it) and started again by its script.

    public async Task StopRabbitMqAsync()
    {
        var node = ServiceProcesses.Find(root, "rabbitmq (beam.smp)").Single();
        log($"RabbitMQ: SIGTERM to the node (beam.smp, pid {node.Pid})");
        await SignalAsync(node.Pid, "TERM");
        await WaitAsync(() => Task.FromResult(!IsAlive(node.Pid)), TimeSpan.FromSeconds(60), "RabbitMQ to stop");
        log("RabbitMQ: stopped");
    }

    /// <summary>Starts the node again, unless the app host did while it was down.</summary>
    public async Task StartRabbitMqAsync()
    {
        if (await RestartedByAppHostAsync("rabbitmq (beam.smp)", TimeSpan.Zero))
        {
            return;
        }
        log("RabbitMQ: not started again by the app host; starting deploy/local/rabbitmq.sh on the same data folder");
        Relaunch("TERM", new Launch(["bash", Path.Combine(root, "deploy", "local", "rabbitmq.sh"), Path.Combine(DataFolder, "rabbitmq"), RabbitMqPort.ToString(CultureInfo.InvariantCulture)],
            CurrentEnvironment(), root));
        await WaitAsync(() => PortAnswersAsync(RabbitMqPort), TimeSpan.FromSeconds(120), "RabbitMQ to answer");
        log("RabbitMQ: answering again");
    }

    // ---- PostgreSQL: pg_ctl restart on the data folder, as the postgres user that owns it.

    public async Task RestartPostgresAsync(string mode)
    {
        var server = ServiceProcesses.PostgresServer(root) ?? throw new InvalidOperationException("No PostgreSQL server of the checkout runs.");
        log($"PostgreSQL: pg_ctl stop -m {mode} (postmaster pid {server.Pid})");
        await RunAsync(AsPostgres([Path.Combine(PgBin, "pg_ctl"), "stop", "-D", Path.Combine(DataFolder, "postgres"), "-m", mode, "-w", "-t", "60"]));
        await WaitAsync(() => Task.FromResult(!IsAlive(server.Pid)), TimeSpan.FromSeconds(60), "PostgreSQL to stop");
        log("PostgreSQL: stopped");
        if (await RestartedByAppHostAsync(null, TimeSpan.FromSeconds(10)))
        {
            return;
        }
        log("PostgreSQL: not started again by the app host; starting deploy/local/postgres.sh on the same data folder");
        Relaunch("TERM", new Launch(["bash", Path.Combine(root, "deploy", "local", "postgres.sh"), Path.Combine(DataFolder, "postgres"), PostgresPort.ToString(CultureInfo.InvariantCulture)],
            CurrentEnvironment(), root));
        await WaitAsync(() => PortAnswersAsync(PostgresPort), TimeSpan.FromSeconds(60), "PostgreSQL to answer");
        log("PostgreSQL: answering again");
    }

    // ---- A service: SIGKILL, then (unless the app host does) started again as it was.

    public async Task<Launch> KillServiceAsync(string name)
    {
        var instances = ServiceProcesses.Find(root, name);
        var process = instances is [var first, ..] ? first : throw new InvalidOperationException($"No {name} process of the checkout runs.");
        _instances[name] = instances.Count;
        var launch = new Launch(process.Argv, ReadEnvironment(process.Pid), new DirectoryInfo($"/proc/{process.Pid}/cwd").ResolveLinkTarget(false)!.FullName);
        log($"{name}: SIGKILL to pid {process.Pid} ({Path.GetFileName(process.Argv[0])})");
        await SignalAsync(process.Pid, "KILL");
        await WaitAsync(() => Task.FromResult(!IsAlive(process.Pid)), TimeSpan.FromSeconds(10), $"{name} to end");
        return launch;
    }

    /// <summary>Starts the service again, unless the app host did while it was down.</summary>
    public async Task StartServiceAsync(string name, Launch launch)
    {
        var before = _instances[name];
        if (await RestartedByAppHostAsync(name, TimeSpan.Zero, before))
        {
            return;
        }
        log($"{name}: not started again by the app host; starting the same command with the same environment");
        Relaunch("TERM", launch);
        await WaitAsync(() => Task.FromResult(ServiceProcesses.Find(root, name).Count >= before), TimeSpan.FromSeconds(30), $"{name} to start");
    }

    /// <summary>Whether the app host has started the server or service again by itself (within <paramref name="grace"/>); logs what happened.</summary>
    private async Task<bool> RestartedByAppHostAsync(string? name, TimeSpan grace, int instances = 1)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(grace.TotalSeconds * Stopwatch.Frequency);
        do
        {
            if (name is null ? ServiceProcesses.PostgresServer(root) is not null : ServiceProcesses.Find(root, name).Count >= instances)
            {
                log($"{name ?? "PostgreSQL"}: started again by the app host");
                return true;
            }
            await Task.Delay(500);
        }
        while (Stopwatch.GetTimestamp() < deadline);
        return false;
    }

    private void Relaunch(string stopSignal, Launch launch)
    {
        var info = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = launch.WorkingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        info.ArgumentList.Add("bash");
        info.ArgumentList.Add(Path.Combine(root, "tests", "OraServ.LoadTests", "relaunch.sh"));
        info.ArgumentList.Add(AppHostPid().ToString(CultureInfo.InvariantCulture));
        info.ArgumentList.Add(stopSignal);
        info.ArgumentList.Add(FaultLog);
        foreach (var arg in launch.Argv)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment.Clear();
        foreach (var (key, value) in launch.Environment)
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start relaunch.sh.");
        process.StandardInput.Close();
        log($"  started {string.Join(' ', launch.Argv.Take(4))} ... (relaunch.sh pid {process.Id}, output in {FaultLog})");
    }

    /// <summary>Queue name -> messages, from rabbitmqctl on the node (the management plug-in is not enabled).</summary>
    public async Task<Dictionary<string, long>> QueuesAsync()
    {
        var output = await RunAsync(["/usr/lib/rabbitmq/bin/rabbitmqctl", "-n", RabbitMqNode, "list_queues", "-q", "--no-table-headers", "name", "messages"],
            new Dictionary<string, string> { ["HOME"] = Path.Combine(DataFolder, "rabbitmq", "home"), ["ERL_EPMD_ADDRESS"] = "127.0.0.1" });
        var queues = new Dictionary<string, long>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t', ' ');
            if (parts.Length >= 2 && long.TryParse(parts[^1], CultureInfo.InvariantCulture, out var messages))
            {
                queues[parts[0]] = messages;
            }
        }
        return queues;
    }

    private const string PgBin = "/usr/lib/postgresql/15/bin";

    /// <summary>PostgreSQL's tools refuse root; the data folder belongs to the postgres user (deploy/local/postgres.sh).</summary>
    private static string[] AsPostgres(string[] command) =>
        Environment.UserName == "root" ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", .. command] : command;

    private static async Task<string> RunAsync(string[] command, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in environment ?? [])
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {command[0]}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with {process.ExitCode}: {await error}{await output}");
        }
        return await output;
    }

    private static Task SignalAsync(int pid, string signal) => RunAsync(["kill", "-" + signal, pid.ToString(CultureInfo.InvariantCulture)]);

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static Dictionary<string, string> ReadEnvironment(int pid) =>
        File.ReadAllText($"/proc/{pid}/environ").Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);

    private static Dictionary<string, string> CurrentEnvironment() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");

    private static async Task<bool> PortAnswersAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!await condition())
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds} s for {what}.");
            }
            await Task.Delay(250);
        }
    }
}
