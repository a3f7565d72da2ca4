namespace OraServ.Contracts;

/// <summary>Every integration event carries its own id, the time it happened and the tenant it belongs to.</summary>
public abstract record IntegrationEvent
{
    /// <summary>Unique id of this event; also the message id on the broker, so the inbox dedupes by it.</summary>
    public Guid EventId { get; init; } = Guid.CreateVersion7();

    /// <summary>When the change happened (UTC).</summary>
    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>The business (tenant) the event belongs to.</summary>
    public required Guid TenantId { get; init; }
}

/// <summary>A client's contact details as they were when the event happened.</summary>
public sealed record ClientContact
{
    /// <summary>Client id in the Jobs service.</summary>
    public required Guid ClientId { get; init; }
    /// <summary>First name.</summary>
    public required string FirstName { get; init; }
    /// <summary>Last name.</summary>
    public required string LastName { get; init; }
    /// <summary>Email address, if known.</summary>
    public string? Email { get; init; }
    /// <summary>Phone number in E.164, if known.</summary>
    public string? Phone { get; init; }
    /// <summary>Service address, one string.</summary>
    public string? Address { get; init; }
}

/// <summary>One billable line of a job.</summary>
public sealed record JobLine
{
    /// <summary>labor, material, service or fee.</summary>
    public required string Kind { get; init; }
    /// <summary>What was done or used.</summary>
    public required string Description { get; init; }
    /// <summary>Hours for labor, quantity for materials, 1 for services and fees.</summary>
    public required decimal Quantity { get; init; }
    /// <summary>Hourly rate or unit price, in the job currency.</summary>
    public required decimal UnitPrice { get; init; }
    /// <summary>Whether the tenant's tax rate applies.</summary>
    public required bool Taxable { get; init; }
}
