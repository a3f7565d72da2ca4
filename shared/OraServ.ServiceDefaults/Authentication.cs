using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace OraServ.ServiceDefaults;

/// <summary>Roles and the policies built on them.</summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Dispatcher = "dispatcher";
    public const string Technician = "technician";

    /// <summary>Every role a user can hold, for validating input.</summary>
    public static readonly IReadOnlyList<string> All = [Owner, Dispatcher, Technician];

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

    /// <summary>True when <see cref="SigningKey"/> is base64 of at least 32 bytes.</summary>
    public bool HasUsableKey()
    {
        var buffer = new byte[SigningKey.Length];
        return Convert.TryFromBase64String(SigningKey, buffer, out var written) && written >= 32;
    }

    public SymmetricSecurityKey Key()
    {
        var bytes = Convert.FromBase64String(SigningKey);
        if (bytes.Length < 32)
        {
            throw new InvalidOperationException("Auth:SigningKey must be at least 32 bytes (base64).");
        }
        return new SymmetricSecurityKey(bytes);
    }

    /// <summary>What every service checks on a token: our issuer and audience, HMAC-SHA256 with the shared key, not expired.</summary>
    public TokenValidationParameters ValidationParameters() => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = Key(),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        RoleClaimType = OraServClaims.Role,
        NameClaimType = OraServClaims.UserId,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    public static TokenSettings From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<TokenSettings>() ?? new TokenSettings();
}

public static class AuthenticationExtensions
{
    /// <summary>
    /// Bearer tokens validated with the shared key; every endpoint needs a tenant member unless it says AllowAnonymous.
    /// A missing, expired or tampered token answers 401 and a wrong role 403, both as problem details.
    /// </summary>
    public static TBuilder AddOraServAuthentication<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Bound when first needed, not now (test hosts add their configuration after Program has started building), and
        // checked at start, so that a missing key stops the process instead of failing every request.
        builder.Services.AddOptions<TokenSettings>().BindConfiguration(TokenSettings.Section)
            .Validate(s => s.HasUsableKey(), "Auth:SigningKey must be a base64 key of at least 32 bytes.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<TokenSettings>>().Value);
        builder.Services.AddProblemDetails();
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TokenSettings>((options, settings) =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = settings.ValidationParameters();
                options.Events = new JwtBearerEvents
                {
                    OnChallenge = WriteUnauthorizedAsync,
                    OnForbidden = WriteForbiddenAsync,
                };
            });

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.MemberPolicy, p => p.RequireAuthenticatedUser().RequireClaim(OraServClaims.TenantId))
            .AddPolicy(Roles.DispatcherPolicy, p => p.RequireClaim(OraServClaims.TenantId).RequireRole(Roles.Owner, Roles.Dispatcher))
            .AddPolicy(Roles.OwnerPolicy, p => p.RequireClaim(OraServClaims.TenantId).RequireRole(Roles.Owner))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireClaim(OraServClaims.TenantId).Build());
        return builder;
    }

    private static async Task WriteUnauthorizedAsync(JwtBearerChallengeContext context)
    {
        context.HandleResponse();
        var (error, detail) = context.AuthenticateFailure switch
        {
            null => (null, "An access token is required."),
            SecurityTokenExpiredException => ("invalid_token", "The access token has expired."),
            _ => ("invalid_token", "The access token is invalid."),
        };
        // RFC 6750: tell the client which scheme, and why a presented token was refused.
        context.Response.Headers.WWWAuthenticate = error is null ? "Bearer" : $"Bearer error=\"{error}\"";
        await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    private static Task WriteForbiddenAsync(ForbiddenContext context) =>
        WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this.");

    private static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        var problems = http.RequestServices.GetService<IProblemDetailsService>();
        if (problems is null || !await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem }))
        {
            await http.Response.WriteAsJsonAsync(problem, options: null, contentType: "application/problem+json");
        }
    }
}
