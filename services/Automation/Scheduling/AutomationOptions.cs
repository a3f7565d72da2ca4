namespace OraServ.Automation;

/// <summary>Scheduler settings (section "Automation").</summary>
public sealed class AutomationOptions
{
    public const string Section = "Automation";

    /// <summary>How often the scheduler looks for due reminders.</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Reminders claimed per transaction; a full batch is followed by the next one at once.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>Local time at which date-based steps (overdue, due in) go out.</summary>
    public TimeOnly SendAt { get; set; } = new(9, 0);

    /// <summary>No SMS from this local time...</summary>
    public TimeOnly QuietHoursStart { get; set; } = new(21, 0);

    /// <summary>...until this one; a reminder due in between waits for it.</summary>
    public TimeOnly QuietHoursEnd { get; set; } = new(8, 0);

    /// <summary>
    /// How far in the past a step may fall when it is planned (a rule switched on after its day, an invoice issued
    /// already late) and still go out. Planned steps always go out when due, however long the service was down.
    /// </summary>
    public TimeSpan LatePlanWindow { get; set; } = TimeSpan.FromDays(1);
}
