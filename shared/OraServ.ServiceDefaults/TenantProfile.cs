using System.Security.Claims;

namespace OraServ.ServiceDefaults;

/// <summary>The caller's business as its access token describes it (claims the gateway puts in at login).</summary>
public sealed record TenantProfile(Guid TenantId, Guid UserId, string Role, string BusinessName, string Currency, string TimeZone)
{
    public const string BusinessNameClaim = "business_name";
    public const string CurrencyClaim = "currency";
    public const string TimeZoneClaim = "time_zone";

    public static TenantProfile From(ClaimsPrincipal user) => new(
        Guid.Parse(user.FindFirstValue(OraServClaims.TenantId) ?? throw new InvalidOperationException("No tenant claim.")),
        Guid.TryParse(user.FindFirstValue(OraServClaims.UserId), out var id) ? id : Guid.Empty,
        user.FindFirstValue(OraServClaims.Role) ?? "",
        user.FindFirstValue(BusinessNameClaim) ?? "",
        user.FindFirstValue(CurrencyClaim) ?? "USD",
        user.FindFirstValue(TimeZoneClaim) ?? "America/New_York");
}
