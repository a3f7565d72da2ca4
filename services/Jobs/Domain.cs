namespace OraServ.Jobs;

public enum JobStatus
{
    Scheduled,
    InProgress,
    Completed,
    Cancelled,
}

public enum LineKind
{
    Labor,
    Material,
    Service,
    Fee,
}

public sealed class Client
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string FirstName { get; set; }
    public required string LastName { get; set; }
    public string? Email { get; set; }
    /// <summary>E.164, e.g. +15551234567.</summary>
    public string? Phone { get; set; }
    /// <summary>Service address.</summary>
    public string? Address { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed class Job
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid ClientId { get; init; }
    public Client? Client { get; init; }
    public required string Title { get; set; }
    public JobStatus Status { get; private set; } = JobStatus.Scheduled;
    public required string Currency { get; init; }
    public string? Notes { get; private set; }
    public Guid? AssignedTo { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; private set; }
    public List<JobLineItem> LineItems { get; init; } = [];

    public bool IsOpen => Status is JobStatus.Scheduled or JobStatus.InProgress;

    public void Start()
    {
        if (Status == JobStatus.InProgress)
        {
            return;
        }
        EnsureOpen("started");
        Status = JobStatus.InProgress;
    }

    public void ReplaceItems(IEnumerable<JobLineItem> items)
    {
        EnsureOpen("edited");
        LineItems.Clear();
        LineItems.AddRange(items);
    }

    /// <summary>Completes the job; false when it already was (a retried click changes nothing).</summary>
    public bool Complete(string? notes, DateTimeOffset now)
    {
        if (Status == JobStatus.Completed)
        {
            return false;
        }
        EnsureOpen("completed");
        if (LineItems.Count == 0)
        {
            throw new OraServ.ServiceDefaults.FieldException("lineItems", "A job needs at least one line item before it can be completed.");
        }
        Status = JobStatus.Completed;
        Notes = string.IsNullOrWhiteSpace(notes) ? Notes : notes.Trim();
        CompletedAt = now;
        return true;
    }

    public void Cancel()
    {
        if (Status == JobStatus.Cancelled)
        {
            return;
        }
        EnsureOpen("cancelled");
        Status = JobStatus.Cancelled;
    }

    private void EnsureOpen(string action)
    {
        if (!IsOpen)
        {
            throw new OraServ.ServiceDefaults.ConflictException($"A {Status.ToString().ToLowerInvariant()} job cannot be {action}.");
        }
    }
}

public sealed class JobLineItem
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public LineKind Kind { get; init; }
    public required string Description { get; init; }
    /// <summary>Hours for labor, quantity for materials, 1 for services and fees.</summary>
    public decimal Quantity { get; init; }
    /// <summary>Hourly rate or unit price.</summary>
    public decimal UnitPrice { get; init; }
    public bool Taxable { get; init; }
    public int Position { get; init; }
}
