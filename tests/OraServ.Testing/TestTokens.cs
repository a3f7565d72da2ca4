using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OraServ.Testing;

/// <summary>Access tokens as the gateway issues them, signed with a key made for this test run.</summary>
public static class TestTokens
{
    public static string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string For(Guid tenantId, string role = "owner", string currency = "USD", string timeZone = "America/New_York",
        string businessName = "Acme Plumbing", TimeSpan? lifetime = null, string? key = null, Guid? userId = null)
    {
        var now = DateTime.UtcNow;
        var handler = new JsonWebTokenHandler();
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "oraserv",
            Audience = "oraserv-api",
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now + (lifetime ?? TimeSpan.FromHours(1)),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = (userId ?? Guid.NewGuid()).ToString(),
                ["tenant_id"] = tenantId.ToString(),
                ["role"] = role,
                ["business_name"] = businessName,
                ["currency"] = currency,
                ["time_zone"] = timeZone,
            },
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(key ?? SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
