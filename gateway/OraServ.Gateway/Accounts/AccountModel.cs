using Microsoft.AspNetCore.Identity;

namespace OraServ.Gateway.Accounts;

/// <summary>A business using OraServ; every row in every service carries its id.</summary>
public sealed class Tenant
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string BusinessName { get; set; }
    /// <summary>ISO 4217, upper case: the currency of the tenant's invoices.</summary>
    public required string Currency { get; set; }
    /// <summary>IANA id: what "today" and "overdue" mean for the business.</summary>
    public required string TimeZone { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>A person who signs in; belongs to exactly one tenant, with one role.</summary>
public sealed class GatewayUser : IdentityUser<Guid>
{
    public GatewayUser()
    {
        Id = Guid.CreateVersion7();
    }

    public Guid TenantId { get; init; }
    public Tenant Tenant { get; init; } = null!;
    /// <summary>One of <see cref="ServiceDefaults.Roles"/>.</summary>
    public required string Role { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>An owner's invitation to join the tenant with a role; only a hash of its token is stored.</summary>
public sealed class Invitation
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string Email { get; init; }
    public required string Role { get; init; }
    /// <summary>SHA-256 of the token handed to the owner; the token itself is never stored.</summary>
    public required byte[] TokenHash { get; init; }
    public Guid InvitedBy { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public DateTimeOffset? AcceptedAt { get; set; }
}
