using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace OraServ.ServiceDefaults;

/// <summary>Roles and the policies built on them.</summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Dispatcher = "dispatcher";
    public const string Technician = "technician";

    /// <summary>Owner only: Stripe settings, users.</summary>
    public const string OwnerPolicy = "owner";
    /// <summary>Owner or dispatcher: clients, jobs, invoices, automations.</summary>
    public const string DispatcherPolicy = "dispatcher";
    /// <summary>Any signed-in user of a tenant (technicians work on jobs).</summary>
    public const string MemberPolicy = "member";
}

/// <summary>Settings of the access tokens the gateway issues and every service validates.</summary>
public sealed class TokenSettings
{
    public const string Section = "Auth";
    public const string Issuer = "oraserv";
    public const string Audience = "oraserv-api";

    /// <summary>Base64 HMAC-SHA256 key, at least 32 bytes; provided by the app host or a secret in production.</summary>
    public string SigningKey { get; set; } = "";
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(8);

    public SymmetricSecurityKey Key()
    {
        var bytes = Convert.FromBase64String(SigningKey);
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64).");
        }
        return new SymmetricSecurityKey(bytes);
    }

    public static TokenSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<TokenSettings>() ?? new TokenSettings();
}

public static class AuthenticationExtensions
{
    /// <summary>Bearer tokens validated with the shared key; every endpoint needs a tenant member unless it says AllowAnonymous.</summary>
    public static TBuilder AddOraServAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var settings = TokenSettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = TokenSettings.Issuer,
                    ValidAudience = TokenSettings.Audience,
                    IssuerSigningKey = settings.Key(),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    RoleClaimType = OraServClaims.Role,
                    NameClaimType = OraServClaims.UserId,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.MemberPolicy, p => p.RequireAuthenticatedUser().RequireClaim(OraServClaims.TenantId))
            .AddPolicy(Roles.DispatcherPolicy, p => p.RequireClaim(OraServClaims.TenantId).RequireRole(Roles.Owner, Roles.Dispatcher))
            .AddPolicy(Roles.OwnerPolicy, p => p.RequireClaim(OraServClaims.TenantId).RequireRole(Roles.Owner))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(OraServClaims.TenantId).Build());
        return builder;
    }
}
