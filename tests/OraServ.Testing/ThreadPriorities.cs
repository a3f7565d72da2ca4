using System.Globalization;

namespace OraServ.Testing;

/// <summary>Linux nice values, parents and sessions as ps shows them, read from the stat lines of /proc.</summary>
public static class ThreadPriorities
{
    /// <summary>The nice value in a /proc stat line: the 17th field after the parenthesised name.</summary>
    public static int Nice(string stat) => Field(stat, 16);

    /// <summary>The parent process in a /proc stat line: the 2nd field after the parenthesised name.</summary>
    public static int Parent(string stat) => Field(stat, 1);

    /// <summary>The session (its leader's process id) in a /proc stat line: the 4th field after the parenthesised name.</summary>
    public static int Session(string stat) => Field(stat, 3);

    /// <summary>
    /// The nice value of the CPU share of a process's session, as /proc/&lt;pid&gt;/autogroup shows it ("/autogroup-42 nice 19").
    /// Null for a process whose session never left the machine's default share (no process before it called setsid, as
    /// under a supervisor that starts commands without one): the kernel shows nothing there, and takes no value for it.
    /// </summary>
    public static int? ShareNice(int processId)
    {
        var share = File.ReadAllText($"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/autogroup").Trim();
        return share.Length == 0 ? null : int.Parse(share.Split(' ')[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>The calling thread's nice value.</summary>
    public static int OfCurrentThread() => Nice(File.ReadAllText("/proc/thread-self/stat"));

    private static int Field(string stat, int index) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[index], CultureInfo.InvariantCulture);
}
