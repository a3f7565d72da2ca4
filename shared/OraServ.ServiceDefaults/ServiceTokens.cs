using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OraServ.ServiceDefaults;

/// <summary>
/// Short-lived tokens one service presents to another when it acts for a tenant on its own (Notifications fetching
/// an invoice's PDF for an email): the tenant's id, the role "service", and the calling service as subject.
/// </summary>
public static class ServiceTokens
{
    public const string Role = "service";

    /// <summary>Reading an invoice document: owners, dispatchers, and services acting for the tenant.</summary>
    public const string DocumentsPolicy = "documents";

    /// <summary>A call from another service that names no tenant of its own: a lookup by a pay token, which names it.</summary>
    public const string ServicesPolicy = "services";

    private static readonly JsonWebTokenHandler Handler = new();

    /// <summary>A token for a call made for no one tenant: its tenant is the empty id, which no tenant has.</summary>
    public static string CreateForNoTenant(TokenSettings settings, string service, TimeProvider time) =>
        Create(settings, Guid.Empty, service, time);

    public static string Create(TokenSettings settings, Guid tenantId, string service, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(2),
            Claims = new Dictionary<string, object>
            {
                [OraServClaims.UserId] = service,
                [OraServClaims.TenantId] = tenantId.ToString(),
                [OraServClaims.Role] = Role,
            },
            SigningCredentials = new SigningCredentials(settings.Key(), SecurityAlgorithms.HmacSha256),
        });
    }
}
