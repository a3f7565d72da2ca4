using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OraServ.Contracts;
using OraServ.Gateway.Accounts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Gateway;

public static class GatewayExtensions
{
    /// <summary>
    /// CIDR ranges of the proxies in front of the gateway (the ingress), whose X-Forwarded-For is believed. Unset, only
    /// loopback is, and a client cannot pick its own rate-limit bucket by sending the header.
    /// </summary>
    public const string TrustedProxiesSection = "Gateway:TrustedProxies";

    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        builder.AddOraServApi();
        builder.AddAccounts();
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    /// <summary>Tenants and users on the gateway's database, Identity's password and lockout rules, token issuing, protection.</summary>
    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<TenantContext>();
        builder.Services.AddDbContext<GatewayDbContext>((sp, options) => options.UseNpgsql(
            DatabaseConnections.Tuned(sp.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.GatewayDb)
                ?? throw new InvalidOperationException($"Connection string '{ResourceNames.GatewayDb}' is missing.")),
            npgsql => npgsql.MigrationsHistoryTable(GatewayDbContext.MigrationsHistoryTable)),
            // Built once, as the services' (OraServ.Messaging): per scope they cost every request EF's look-up.
            contextLifetime: ServiceLifetime.Scoped, optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddHealthChecks().AddCheck<GatewayDatabaseHealthCheck>(ResourceNames.GatewayDb);

        builder.Services
            .AddIdentityCore<GatewayUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequiredUniqueChars = 4;
                options.Password.RequireDigit = true;
                options.Password.RequireLowercase = true;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddEntityFrameworkStores<GatewayDbContext>()
            .AddSignInManager();
        builder.Services.AddSingleton<AccessTokens>();

        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<IConfiguration>((options, configuration) =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var network in configuration.GetSection(TrustedProxiesSection).Get<string[]>() ?? [])
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        builder.AddProtection();
        return builder;
    }

    public static WebApplication UseGateway(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseProtection();
        app.UseMiddleware<AccessCookieMiddleware>();
        app.UseOraServApi();
        app.UseRateLimiter();
        return app;
    }
}

internal sealed class GatewayDatabaseHealthCheck(GatewayDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("The database does not answer.");
}
