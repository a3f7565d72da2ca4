using System.Globalization;
using System.Runtime.InteropServices;

namespace OraServ.ServiceDefaults;

/// <summary>
/// Linux scheduling priority (the nice value, 0 normal to 19 lowest) for work that nobody waits on as it runs: emails,
/// reminders, the PDFs attached to emails. On a machine the services share, a burst of that work then takes the CPU the
/// requests a person waits on leave over, instead of delaying them; it lags during the burst and catches up after.
/// On Linux a nice value belongs to a thread, and a thread starts with the value of the thread that created it.
/// Elsewhere these do nothing.
/// </summary>
public static class CpuPriority
{
    /// <summary>The nice value of a whole service process (configuration, e.g. <c>OraServ__Nice=10</c>); unset is 0.</summary>
    public const string Setting = "OraServ:Nice";

    /// <summary>Whether the process takes a CPU share of its own (configuration, e.g. <c>OraServ__OwnCpuShare=true</c>).</summary>
    public const string OwnShareSetting = "OraServ:OwnCpuShare";

    /// <summary>
    /// The nice value of the CPU share of this process's session, and of its PostgreSQL backends' shares when the
    /// server runs on this machine (configuration, e.g. <c>OraServ__CpuShareNice=19</c>); unset is 0.
    /// </summary>
    public const string ShareNiceSetting = "OraServ:CpuShareNice";

    private const int PrioProcess = 0;

    /// <summary>
    /// Starts a session of its own. Linux with autogroups (kernel.sched_autogroup_enabled, on by default) shares the CPU
    /// fairly between sessions first and between threads inside a session second, so a process started in the same
    /// session as the others shares one CPU share with all of them, while PostgreSQL's backends each lead a session of
    /// their own and so each get as much as that whole session. False when the system refused (the process already leads
    /// its process group), or elsewhere than on Linux.
    /// </summary>
    public static bool OwnShare() => OperatingSystem.IsLinux() && setsid() >= 0;

    /// <summary>
    /// Sets the nice value of this process's session's CPU share (its autogroup, <c>/proc/self/autogroup</c>). The kernel
    /// weighs sessions against each other by it as it weighs threads by theirs: at 19 a session gets a sixty-eighth of
    /// what one at 0 gets while both want a core, and all it wants when nothing else does. It belongs to the session, so
    /// every process in it shares the value. False when the system refused (a session that never left the machine's
    /// default share, as under a supervisor that starts commands without setsid, takes no value), or where there are no
    /// autogroups.
    /// </summary>
    public static bool OfShare(int nice) => WriteShare("self", nice);

    /// <summary>
    /// Sets the nice value of the CPU share of a PostgreSQL backend of this machine (each leads a session of its own)
    /// by its process id (<c>NpgsqlConnection.ProcessID</c>). False, and nothing written, when that process is not
    /// PostgreSQL's (the server is on another machine, or the backend ended) or the system refused.
    /// </summary>
    public static bool OfDatabaseBackend(int processId, int nice)
    {
        Check(nice);
        var comm = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/comm";
        try
        {
            return OperatingSystem.IsLinux() && File.ReadAllText(comm).TrimEnd() == "postgres"
                && WriteShare(processId.ToString(CultureInfo.InvariantCulture), nice);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool WriteShare(string process, int nice)
    {
        Check(nice);
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            File.WriteAllText($"/proc/{process}/autogroup", nice.ToString(CultureInfo.InvariantCulture));
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Sets every thread of this process to <paramref name="nice"/>; the threads they start later inherit it.</summary>
    public static void OfProcess(int nice)
    {
        Check(nice);
        if (!OperatingSystem.IsLinux() || nice == 0)
        {
            return;
        }
        // A thread started while the others are being set may have copied its creator's value first: a second pass finds it.
        var done = new HashSet<int>();
        for (var pass = 0; pass < 2; pass++)
        {
            foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
            {
                if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) && done.Add(tid))
                {
                    // A thread that ended meanwhile (ESRCH) needs nothing.
                    _ = setpriority(PrioProcess, tid, nice);
                }
            }
        }
    }

    /// <summary>
    /// Sets the calling thread to <paramref name="nice"/>, and so every thread it starts later. False when the system
    /// refused (a thread already lower may not be raised again without privilege): it keeps the value it had.
    /// </summary>
    public static bool OfCurrentThread(int nice)
    {
        Check(nice);
        // "who" 0 is the calling thread on Linux.
        return !OperatingSystem.IsLinux() || setpriority(PrioProcess, 0, nice) == 0;
    }

    private static void Check(int nice) =>
        // Only lowering the priority needs no privilege.
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)nice, 19u, nameof(nice));

    [DllImport("libc")]
    private static extern int setsid();

    [DllImport("libc")]
    private static extern int setpriority(int which, int who, int prio);
}
