using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace OraServ.ServiceDefaults;

/// <summary>Claim types OraServ puts into its access tokens (the gateway issues them; every service reads them).</summary>
public static class OraServClaims
{
    /// <summary>The tenant (business) the user belongs to: a Guid.</summary>
    public const string TenantId = "tenant_id";
    /// <summary>One of <see cref="Roles"/>: owner, dispatcher, technician.</summary>
    public const string Role = "role";
    /// <summary>The user's id: a Guid.</summary>
    public const string UserId = "sub";
    /// <summary>The user's email address.</summary>
    public const string Email = "email";
    /// <summary>The tenant's business name, as on its invoices and pay page.</summary>
    public const string BusinessName = "business_name";
    /// <summary>The tenant's ISO 4217 currency code, upper case (USD).</summary>
    public const string Currency = "currency";
    /// <summary>The tenant's IANA time zone id (America/New_York): what "today" and "overdue" mean for it.</summary>
    public const string TimeZone = "time_zone";
}

/// <summary>The tenant the current unit of work acts for: the caller's token in a request, the event's tenant in a consumer.</summary>
public sealed class TenantContext(IHttpContextAccessor accessor)
{
    private Guid? _explicit;

    public Guid? TenantId => _explicit ?? FromUser(accessor.HttpContext?.User);

    /// <summary>The tenant id, or an error when none is known (a bug: every scoped path sets one).</summary>
    public Guid RequiredTenantId => TenantId ?? throw new InvalidOperationException("No tenant in this scope.");

    /// <summary>Used by consumers and background work, where there is no user.</summary>
    public void Use(Guid tenantId) => _explicit = tenantId;

    private static Guid? FromUser(ClaimsPrincipal? user) =>
        Guid.TryParse(user?.FindFirstValue(OraServClaims.TenantId), out var id) ? id : null;
}
