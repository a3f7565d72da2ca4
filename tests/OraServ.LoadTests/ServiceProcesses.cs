using System.Globalization;
using System.Text;

namespace OraServ.LoadTests;

/// <summary>Memory and CPU time of the local run's processes, read from /proc (Linux only).</summary>
public static class ServiceProcesses
{
    /// <summary>What each process group is called in the report, and how its command line is recognised.</summary>
    private static readonly (string Name, Func<string[], bool> Matches)[] Groups =
    [
        ("gateway", argv => IsDotnetApp(argv, "OraServ.Gateway")),
        ("jobs", argv => IsDotnetApp(argv, "OraServ.Jobs")),
        ("invoicing", argv => IsDotnetApp(argv, "OraServ.Invoicing")),
        ("payments", argv => IsDotnetApp(argv, "OraServ.Payments")),
        ("notifications", argv => IsDotnetApp(argv, "OraServ.Notifications")),
        ("automation", argv => IsDotnetApp(argv, "OraServ.Automation")),
        ("stripe emulator", argv => IsDotnetApp(argv, "OraServ.StripeEmulator")),
        ("app host + dashboard", argv => IsDotnetApp(argv, "OraServ.AppHost") || argv[0].EndsWith("/Aspire.Dashboard", StringComparison.Ordinal)
            || argv[0].EndsWith("/dcp", StringComparison.Ordinal) || argv[0].EndsWith("/dcpctrl", StringComparison.Ordinal)),
        ("postgresql (all backends)", argv => argv[0].StartsWith("postgres", StringComparison.Ordinal) || argv[0].EndsWith("/postgres", StringComparison.Ordinal)),
        ("rabbitmq (beam.smp)", argv => argv[0].EndsWith("beam.smp", StringComparison.Ordinal)),
        ("load driver (this process)", argv => IsDotnetApp(argv, "OraServ.LoadTests")),
        ("smtp4dev", argv => argv.Any(a => a.Contains("smtp4dev", StringComparison.OrdinalIgnoreCase) && a.EndsWith(".dll", StringComparison.Ordinal))),
    ];

    public sealed record Sample(string Name, int Processes, long RssKib, long PssKib, double CpuSeconds);

    public static IReadOnlyList<Sample> Take()
    {
        var totals = Groups.ToDictionary(g => g.Name, _ => new Sample("", 0, 0, 0, 0));
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }
            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                if (argv.Length == 0 || argv.Any(a => a.Contains("Migrate:Only", StringComparison.Ordinal)))
                {
                    continue;
                }
                foreach (var (name, matches) in Groups)
                {
                    if (matches(argv))
                    {
                        var (rss, pss) = Memory(dir);
                        var t = totals[name];
                        totals[name] = t with { Processes = t.Processes + 1, RssKib = t.RssKib + rss, PssKib = t.PssKib + pss, CpuSeconds = t.CpuSeconds + CpuSeconds(dir) };
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while being read.
            }
        }
        return Groups.Select(g => totals[g.Name] with { Name = g.Name }).ToList();
    }

    public static string Table(IReadOnlyList<Sample> before, IReadOnlyList<Sample> after)
    {
        var text = new StringBuilder();
        text.AppendLine("| process | RSS before MiB | RSS after MiB | CPU s while measuring |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var b in before)
        {
            var a = after.Single(x => x.Name == b.Name);
            if (b.Processes == 0 && a.Processes == 0)
            {
                continue;
            }
            // Several PostgreSQL backends share memory: their PSS adds up, their RSS would count shared buffers many times.
            var shared = a.Processes > 1;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {b.Name}{(shared ? $" ({a.Processes} processes, PSS)" : "")} | {Mib(shared ? b.PssKib : b.RssKib)} | {Mib(shared ? a.PssKib : a.RssKib)} | {a.CpuSeconds - b.CpuSeconds:F1} |");
        }
        return text.ToString();
    }

    private static string Mib(long kib) => (kib / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

    private static bool IsDotnetApp(string[] argv, string name) =>
        Path.GetFileName(argv[0]) == name
        || (Path.GetFileName(argv[0]) == "dotnet" && argv.Length > 1 && Path.GetFileName(argv[1]) == name + ".dll");

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

    /// <summary>utime + stime from /proc/[pid]/stat (fields 14 and 15, after the command name in parentheses), in USER_HZ = 100 ticks.</summary>
    private static double CpuSeconds(string dir)
    {
        var stat = File.ReadAllText(Path.Combine(dir, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
