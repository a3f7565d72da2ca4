using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OraServ.ServiceDefaults;

namespace OraServ.Gateway.Accounts;

public sealed record IssuedToken(string AccessToken, DateTimeOffset ExpiresAt, TimeSpan Lifetime);

/// <summary>Issues the access tokens every service validates (ServiceDefaults' AddOraServAuthentication).</summary>
public sealed class AccessTokens(TokenSettings settings, TimeProvider time)
{
    /// <summary>The cookie that carries the same token for the SPA. __Host-: Secure, path /, no Domain, so no subdomain can set it.</summary>
    public const string CookieName = "__Host-oraserv-access";

    private readonly JsonWebTokenHandler _handler = new();

    public IssuedToken Issue(GatewayUser user, Tenant tenant)
    {
        var now = time.GetUtcNow();
        var expires = now + settings.Lifetime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(settings.Key(), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                [OraServClaims.UserId] = user.Id.ToString(),
                [OraServClaims.TenantId] = tenant.Id.ToString(),
                [OraServClaims.Role] = user.Role,
                [OraServClaims.Email] = user.Email!,
                [OraServClaims.BusinessName] = tenant.BusinessName,
                [OraServClaims.Currency] = tenant.Currency,
                [OraServClaims.TimeZone] = tenant.TimeZone,
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
        return new IssuedToken(token, expires, settings.Lifetime);
    }

    public static void SetCookie(HttpResponse response, IssuedToken token) =>
        response.Cookies.Append(CookieName, token.AccessToken, CookieOptions(token.ExpiresAt));

    public static void ClearCookie(HttpResponse response) =>
        response.Cookies.Delete(CookieName, CookieOptions(null));

    private static CookieOptions CookieOptions(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}

/// <summary>
/// The SPA signs in with the cookie; the services only read Authorization headers. For API, hub and account requests
/// that carry no Authorization header, the cookie's token becomes one, here and in what YARP forwards.
/// SameSite=Strict keeps other sites' pages from riding on the cookie.
/// </summary>
public sealed class AccessCookieMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (string.IsNullOrEmpty(request.Headers.Authorization)
            && (request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs"))
            && request.Cookies.TryGetValue(AccessTokens.CookieName, out var token)
            && !string.IsNullOrWhiteSpace(token))
        {
            request.Headers.Authorization = "Bearer " + token;
        }
        return next(context);
    }
}
