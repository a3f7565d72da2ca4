using System.Globalization;
using System.Text;

namespace OraServ.LoadTests;

/// <summary>Memory and CPU time of the local run's processes, read from /proc (Linux only).</summary>
public static class ServiceProcesses
{
    /// <summary>What each process group is called in the report, and how it is recognised among the local run's processes.</summary>
    private static readonly (string Name, Func<Proc, string, bool> Matches)[] Groups =
    [
        ("gateway", (p, root) => IsDotnetApp(p, root, "OraServ.Gateway")),
        ("jobs", (p, root) => IsDotnetApp(p, root, "OraServ.Jobs")),
        ("invoicing", (p, root) => IsDotnetApp(p, root, "OraServ.Invoicing")),
        ("payments", (p, root) => IsDotnetApp(p, root, "OraServ.Payments")),
        ("notifications", (p, root) => IsDotnetApp(p, root, "OraServ.Notifications")),
        ("automation", (p, root) => IsDotnetApp(p, root, "OraServ.Automation")),
        ("stripe emulator", (p, root) => IsDotnetApp(p, root, "OraServ.StripeEmulator")),
        ("app host", (p, root) => IsDotnetApp(p, root, "OraServ.AppHost")),
        ("rabbitmq (beam.smp)", (p, root) => p.Argv[0].EndsWith("beam.smp", StringComparison.Ordinal) && p.Argv.Any(a => a.StartsWith(root, StringComparison.Ordinal))),
        ("load driver (this process)", (p, root) => p.Pid == Environment.ProcessId),
    ];

    /// <param name="Waits">
    /// Per thread (by id), how long it was ready to run but waited for a core (the run queue), in nanoseconds.
    /// </param>
    public sealed record Sample(string Name, int Processes, long RssKib, long PssKib, double CpuSeconds, IReadOnlyDictionary<int, long> Waits)
    {
        /// <summary>
        /// How long the threads alive at the end of the span waited for a core during it; a thread that ended in between
        /// takes its share with it, so this is a lower bound.
        /// </summary>
        public double WaitedSince(Sample before) =>
            Waits.Sum(w => w.Value - before.Waits.GetValueOrDefault(w.Key)) / 1e9;
    }

    /// <summary>One process: its id, its parent's, its command line.</summary>
    public sealed record Proc(int Pid, int ParentPid, string[] Argv, string Dir);

    /// <summary>The processes of the local run started from the checkout at <paramref name="root"/> (the folder holding .data).</summary>
    /// <param name="memory">False: CPU time only (reading every process's smaps and every thread's schedstat costs the reader real CPU).</param>
    public static IReadOnlyList<Sample> Take(string root, bool memory = true)
    {
        var processes = All();
        Sample Measure(string name, IEnumerable<Proc> group) => ServiceProcesses.Measure(name, group, memory);
        var samples = Groups.Select(g => Measure(g.Name, processes.Where(p => g.Matches(p, root)))).ToList();
        // PostgreSQL: the server whose data folder is the checkout's, and every backend it forked.
        var servers = processes.Where(p => p.Argv[0].EndsWith("/postgres", StringComparison.Ordinal) && p.Argv.Any(a => a.StartsWith(root, StringComparison.Ordinal)))
            .Select(p => p.Pid).ToHashSet();
        samples.Add(Measure("postgresql (server + backends)", processes.Where(p => servers.Contains(p.Pid) || servers.Contains(p.ParentPid))));
        samples.Add(Measure("smtp4dev", processes.Where(p => Path.GetFileName(p.Argv[0]) == "Rnwood.Smtp4dev")));
        samples.Add(Measure("aspire dashboard + dcp", processes.Where(p => Path.GetFileName(p.Argv[0]) is "Aspire.Dashboard" or "dcp" or "dcpctrl"
            || p.Argv.Any(a => a.EndsWith("Aspire.Dashboard.dll", StringComparison.Ordinal)))));
        return samples;
    }

    /// <summary>The processes of one group of the report (e.g. "invoicing", "rabbitmq (beam.smp)") of the checkout's local run.</summary>
    public static IReadOnlyList<Proc> Find(string root, string name)
    {
        var group = Groups.Single(g => g.Name == name);
        return [.. All().Where(p => group.Matches(p, root))];
    }

    /// <summary>The services --hold can stop for a measured phase: those that only work off what the measured requests set off.</summary>
    public static readonly string[] Holdable = ["payments", "notifications", "automation", "smtp4dev"];

    /// <summary>The processes of a holdable group (<see cref="Holdable"/>).</summary>
    public static IReadOnlyList<Proc> FindHoldable(string root, string name) => name == "smtp4dev"
        ? [.. All().Where(p => Path.GetFileName(p.Argv[0]) == "Rnwood.Smtp4dev")]
        : Find(root, name);

    /// <summary>The PostgreSQL server (postmaster) whose data folder is in the checkout, if one runs.</summary>
    public static Proc? PostgresServer(string root) =>
        All().FirstOrDefault(p => p.Argv[0].EndsWith("/postgres", StringComparison.Ordinal) && p.Argv.Any(a => a.StartsWith(root, StringComparison.Ordinal)));

    private static List<Proc> All()
    {
        var processes = new List<Proc>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Read(pid, dir) is { Argv.Length: > 0 } proc
                && !proc.Argv.Any(a => a.Contains("Migrate:Only", StringComparison.Ordinal)))
            {
                processes.Add(proc);
            }
        }
        return processes;
    }

    private static Sample Measure(string name, IEnumerable<Proc> processes, bool memory)
    {
        var sample = new Sample(name, 0, 0, 0, 0, new Dictionary<int, long>());
        foreach (var p in processes)
        {
            try
            {
                var (rss, pss) = memory ? Memory(p.Dir) : (0, 0);
                sample = sample with { Processes = sample.Processes + 1, RssKib = sample.RssKib + rss, PssKib = sample.PssKib + pss, CpuSeconds = sample.CpuSeconds + CpuSeconds(p.Dir) };
                if (memory)
                {
                    AddWaits(p.Dir, (Dictionary<int, long>)sample.Waits);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }
        return sample;
    }

    private static Proc? Read(int pid, string dir)
    {
        try
        {
            var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return new Proc(pid, int.Parse(StatFields(dir)[1], CultureInfo.InvariantCulture), argv, dir);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>How much CPU the local run uses with nothing to do (its pollers, metric exports): cores, over a few seconds.</summary>
    public static async Task<double> IdleRateAsync(string root)
    {
        var before = BusyCpuSeconds(root);
        await Task.Delay(TimeSpan.FromSeconds(5));
        return (BusyCpuSeconds(root) - before) / 5;
    }

    /// <summary>
    /// Waits until the local run has no work left (its processes together use no more than <paramref name="idleRate"/>, what
    /// they use with nothing to do, plus a tenth of a core, for three seconds in a row), so a measurement does not pay for
    /// the setup's events, emails and reminders still being worked. Returns how long it waited, or null when it was still
    /// busy after <paramref name="limit"/>.
    /// </summary>
    public static async Task<TimeSpan?> WaitUntilIdleAsync(string root, double idleRate, TimeSpan limit)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var quietSeconds = 0;
        var last = BusyCpuSeconds(root);
        while (quietSeconds < 3)
        {
            if (waited.Elapsed > limit)
            {
                return null;
            }
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = BusyCpuSeconds(root);
            quietSeconds = now - last < idleRate + 0.1 ? quietSeconds + 1 : 0;
            last = now;
        }
        return waited.Elapsed;
    }

    /// <summary>The CPU time of the processes that do the app's work: not the driver, nor the dashboard and orchestrator.</summary>
    private static double BusyCpuSeconds(string root) =>
        Take(root, memory: false).Where(s => s.Name is not ("load driver (this process)" or "aspire dashboard + dcp" or "app host")).Sum(s => s.CpuSeconds);

    /// <param name="idle">Taken when the work the measured phase caused was done (null: not waited for).</param>
    public static string Table(IReadOnlyList<Sample> before, IReadOnlyList<Sample> after, IReadOnlyList<Sample>? idle = null)
    {
        var text = new StringBuilder();
        text.AppendLine(idle is null
            ? "| process | RSS before MiB | RSS after MiB | CPU s while measuring | waited for a core s while measuring |"
            : "| process | RSS before MiB | RSS after MiB | CPU s while measuring | waited for a core s while measuring | CPU s until its work was done |");
        text.AppendLine(idle is null ? "|---|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|---:|");
        double total = 0, totalWait = 0, totalIdle = 0;
        foreach (var b in before)
        {
            var a = after.Single(x => x.Name == b.Name);
            if (b.Processes == 0 && a.Processes == 0)
            {
                continue;
            }
            // Several PostgreSQL backends share memory: their PSS adds up, their RSS would count shared buffers many times.
            var shared = a.Processes > 1;
            var row = string.Create(CultureInfo.InvariantCulture,
                $"| {b.Name}{(shared ? $" ({a.Processes} processes, PSS)" : "")} | {Mib(shared ? b.PssKib : b.RssKib)} | {Mib(shared ? a.PssKib : a.RssKib)} | {a.CpuSeconds - b.CpuSeconds:F1} | {a.WaitedSince(b):F1} |");
            total += a.CpuSeconds - b.CpuSeconds;
            totalWait += a.WaitedSince(b);
            if (idle?.SingleOrDefault(x => x.Name == b.Name) is { } i)
            {
                row += string.Create(CultureInfo.InvariantCulture, $" {i.CpuSeconds - b.CpuSeconds:F1} |");
                totalIdle += i.CpuSeconds - b.CpuSeconds;
            }
            else if (idle is not null)
            {
                row += " |";
            }
            text.AppendLine(row);
        }
        var all = string.Create(CultureInfo.InvariantCulture, $"| all | | | {total:F1} | {totalWait:F1} |");
        text.AppendLine(idle is null ? all : all + string.Create(CultureInfo.InvariantCulture, $" {totalIdle:F1} |"));
        return text.ToString();
    }

    private static string Mib(long kib) => (kib / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>The app's own executable or `dotnet App.dll`, built in this checkout (the end-to-end tests of another checkout run the same names).</summary>
    private static bool IsDotnetApp(Proc p, string root, string name) =>
        (Path.GetFileName(p.Argv[0]) == name && p.Argv[0].StartsWith(root, StringComparison.Ordinal))
        || (Path.GetFileName(p.Argv[0]) == "dotnet" && p.Argv.Length > 1 && Path.GetFileName(p.Argv[1]) == name + ".dll" && p.Argv[1].StartsWith(root, StringComparison.Ordinal));

    private static (long Rss, long Pss) Memory(string dir)
    {
        long rss = 0, pss = 0;
        foreach (var line in File.ReadLines(Path.Combine(dir, "smaps_rollup")))
        {
            if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                rss = Kib(line);
            }
            else if (line.StartsWith("Pss:", StringComparison.Ordinal))
            {
                pss = Kib(line);
            }
        }
        return (rss, pss);
    }

    private static long Kib(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    /// <summary>
    /// utime + stime + cutime + cstime (fields 14-17 of /proc/[pid]/stat), in USER_HZ = 100 ticks: the children's part
    /// keeps the time of PostgreSQL backends that ended during the run with their server.
    /// </summary>
    private static double CpuSeconds(string dir)
    {
        var fields = StatFields(dir);
        return fields[11..15].Sum(f => long.Parse(f, CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>The second field of /proc/[pid]/task/[tid]/schedstat (nanoseconds runnable but not running) of each thread.</summary>
    private static void AddWaits(string dir, Dictionary<int, long> waits)
    {
        foreach (var task in Directory.EnumerateDirectories(Path.Combine(dir, "task")))
        {
            try
            {
                waits[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] =
                    long.Parse(File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread ended while being read.
            }
        }
    }

    /// <summary>The fields of /proc/[pid]/stat after "pid (comm) ": [0] state, [1] ppid, ...</summary>
    private static string[] StatFields(string dir)
    {
        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
