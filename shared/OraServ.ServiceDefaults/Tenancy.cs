using System.Security.Claims;
using Microsoft.AspNetCore.Http;

namespace OraServ.ServiceDefaults;

/// <summary>Claim types OraServ puts into its access tokens.</summary>
public static class OraServClaims
{
    public const string TenantId = "tenant_id";
    public const string Role = "role";
    public const string UserId = "sub";
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
