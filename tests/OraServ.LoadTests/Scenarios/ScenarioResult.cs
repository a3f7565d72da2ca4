namespace OraServ.LoadTests.Scenarios;

/// <summary>What a scenario measured: a row per step and free-text notes (setup time, checks after the run).</summary>
public sealed class ScenarioResult(string title, string checkoutRoot)
{
    /// <summary>The local run's CPU use with nothing to do, in cores (measured once when the driver starts).</summary>
    public static double IdleRate { get; set; }

    /// <summary>The groups (--hold) stopped while a scenario measures; see <see cref="MeasuringStarts"/>.</summary>
    public static IReadOnlyList<string> Hold { get; set; } = [];

    private static readonly List<int> Held = [];

    public string Title { get; } = title;

    public List<StepStats> Steps { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Checks after a fault run; any that failed makes the driver exit with 1.</summary>
    public List<Faults.FaultChecks.Check> Checks { get; } = [];

    /// <summary>The processes as the measured phase began (after the setup), for the memory and CPU table.</summary>
    public IReadOnlyList<ServiceProcesses.Sample>? Before { get; private set; }

    /// <summary>
    /// Takes the processes' figures; ORASERV_LOAD_MEASURE_HOOK, if set, is started then as a shell command (not waited
    /// for), to profile the measured phase alone, e.g. "perf record -a -g -o /tmp/perf.data -- sleep 5".
    /// </summary>
    public void MeasuringStarts()
    {
        if (Environment.GetEnvironmentVariable("ORASERV_LOAD_MEASURE_HOOK") is { Length: > 0 } hook)
        {
            System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-c", hook]) { UseShellExecute = false });
        }
        Before = ServiceProcesses.Take(checkoutRoot);
        if (Hold.Count > 0)
        {
            var processes = Hold.SelectMany(name => ServiceProcesses.FindHoldable(checkoutRoot, name)).Select(p => p.Pid).ToList();
            lock (Held)
            {
                Held.AddRange(processes);
            }
            Signal("STOP", processes);
            Notes.Add($"held while measuring: {string.Join(", ", Hold)} ({processes.Count} processes stopped with SIGSTOP when the measured phase began, continued when it ended; the work the measured requests set off waited, then was worked off)");
        }
    }

    public IReadOnlyList<ServiceProcesses.Sample> MeasuringEnds()
    {
        var after = ServiceProcesses.Take(checkoutRoot);
        ContinueHeld();
        return after;
    }

    /// <summary>Continues the processes --hold stopped; also when the driver ends early, so that no service is left stopped.</summary>
    public static void ContinueHeld()
    {
        List<int> held;
        lock (Held)
        {
            held = [.. Held];
            Held.Clear();
        }
        Signal("CONT", held);
    }

    private static void Signal(string signal, IReadOnlyList<int> pids)
    {
        if (pids.Count == 0)
        {
            return;
        }
        using var kill = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("kill", [$"-{signal}", .. pids.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Waits (up to two minutes) for the local run to finish the work already given to it, and says so in a note.</summary>
    public async Task SettleAsync(string what)
    {
        var waited = await ServiceProcesses.WaitUntilIdleAsync(checkoutRoot, IdleRate, TimeSpan.FromMinutes(2));
        Notes.Add(waited is { } w
            ? $"{what}: then {w.TotalSeconds:F0} s until the local run was idle (its events, emails and reminders worked off: for 3 s no more CPU than with nothing to do, plus a tenth of a core)"
            : $"{what}: the local run was still busy 120 s later; measured anyway");
    }

    /// <summary>The processes once the work of the measured phase was done (its emails, reminders, events).</summary>
    public async Task<IReadOnlyList<ServiceProcesses.Sample>?> DrainedAsync()
    {
        Drained = await ServiceProcesses.WaitUntilIdleAsync(checkoutRoot, IdleRate, TimeSpan.FromMinutes(3));
        return Drained is null ? null : ServiceProcesses.Take(checkoutRoot);
    }

    /// <summary>
    /// How long after the measured phase the local run was idle again (<see cref="DrainedAsync"/>): how far the work the
    /// requests set off (emails, reminders, events) lagged behind them. Null if it was still busy three minutes later.
    /// </summary>
    public TimeSpan? Drained { get; private set; }

    public StepStats Step(string name)
    {
        var step = new StepStats(name);
        Steps.Add(step);
        return step;
    }
}
