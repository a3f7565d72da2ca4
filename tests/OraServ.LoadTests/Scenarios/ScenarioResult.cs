namespace OraServ.LoadTests.Scenarios;

/// <summary>What a scenario measured: a row per step and free-text notes (setup time, checks after the run).</summary>
public sealed class ScenarioResult(string title, string checkoutRoot)
{
    public string Title { get; } = title;

    public List<StepStats> Steps { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Checks after a fault run; any that failed makes the driver exit with 1.</summary>
    public List<Faults.FaultChecks.Check> Checks { get; } = [];

    /// <summary>The processes as the measured phase began (after the setup), for the memory and CPU table.</summary>
    public IReadOnlyList<ServiceProcesses.Sample>? Before { get; private set; }

    public void MeasuringStarts() => Before = ServiceProcesses.Take(checkoutRoot);

    public IReadOnlyList<ServiceProcesses.Sample> MeasuringEnds() => ServiceProcesses.Take(checkoutRoot);

    public StepStats Step(string name)
    {
        var step = new StepStats(name);
        Steps.Add(step);
        return step;
    }
}
