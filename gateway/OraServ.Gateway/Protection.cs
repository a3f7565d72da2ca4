using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace OraServ.Gateway;

/// <summary>A per-client-address fixed window: at most PermitLimit requests per Window (section "Gateway:RateLimits:{policy}").</summary>
public sealed class RateLimitRule
{
    public const string Section = "Gateway:RateLimits";
    public int PermitLimit { get; set; }
    public TimeSpan Window { get; set; }
}

/// <summary>
/// What the gateway does before a request reaches an account route or a service: per-address rate limits on the
/// public routes (sign-in and sign-up, the pay page's API, the webhooks), a cap on request bodies, security headers on
/// every response, HSTS outside development. No CORS policy is registered: the SPA and the API share one origin, so a
/// page of another origin gets no Access-Control-Allow-* header and the browser refuses it.
/// </summary>
public static class Protection
{
    /// <summary>Sign-up, sign-in, invitation accept: guessing passwords and mass sign-ups.</summary>
    public const string Accounts = "accounts";

    /// <summary>/api/pay/**: the public pay page's API, where pay tokens could be guessed.</summary>
    public const string Pay = "pay";

    /// <summary>/webhooks/**: signed by Stripe or Twilio, but anyone can post; Stripe retries anything refused.</summary>
    public const string Webhooks = "webhooks";

    /// <summary>The largest request body the gateway forwards, in bytes (default 1 MiB); larger ones answer 413.</summary>
    public const string MaxRequestBodySetting = "Gateway:MaxRequestBodyBytes";

    private const long DefaultMaxRequestBody = 1024 * 1024;

    private static readonly Dictionary<string, RateLimitRule> Defaults = new()
    {
        [Accounts] = new() { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) },
        [Pay] = new() { PermitLimit = 120, Window = TimeSpan.FromMinutes(1) },
        // Stripe sends bursts (a payout settles many charges at once) from a handful of addresses.
        [Webhooks] = new() { PermitLimit = 20_000, Window = TimeSpan.FromSeconds(10) },
    };

    public static WebApplicationBuilder AddProtection(this WebApplicationBuilder builder)
    {
        var maxBody = builder.Configuration.GetValue(MaxRequestBodySetting, DefaultMaxRequestBody);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);
        builder.Services.AddHsts(hsts =>
        {
            hsts.MaxAge = TimeSpan.FromDays(365);
            hsts.IncludeSubDomains = true;
        });
        foreach (var (policy, rule) in Defaults)
        {
            builder.Services.AddOptions<RateLimitRule>(policy)
                .Configure(r => (r.PermitLimit, r.Window) = (rule.PermitLimit, rule.Window))
                .BindConfiguration($"{RateLimitRule.Section}:{policy}");
        }
        builder.Services.AddRateLimiter(options =>
        {
            foreach (var policy in Defaults.Keys)
            {
                options.AddPolicy(policy, http =>
                {
                    var rule = http.RequestServices.GetRequiredService<IOptionsMonitor<RateLimitRule>>().Get(policy);
                    return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
                    {
                        PermitLimit = rule.PermitLimit,
                        Window = rule.Window,
                        QueueLimit = 0,
                    });
                });
            }
            options.OnRejected = WriteTooManyRequestsAsync;
        });
        return builder;
    }

    /// <summary>Runs after the forwarded headers are applied (the client's address and scheme are known).</summary>
    public static WebApplication UseProtection(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }
        var maxBody = app.Configuration.GetValue(MaxRequestBodySetting, DefaultMaxRequestBody);
        app.Use(async (http, next) =>
        {
            AddSecurityHeaders(http.Response);
            if (http.Request.ContentLength > maxBody)
            {
                await WriteProblemAsync(http, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                    $"Request bodies are limited to {maxBody} bytes.");
                return;
            }
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = maxBody;
            }
            await next(http);
        });
        return app;
    }

    private static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        // Pay links carry their token in the path: other sites see the origin only.
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        var path = response.HttpContext.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/webhooks"))
        {
            // Invoices, pay views and tokens are nobody's to cache; a route that may be cached (none today) says so itself.
            response.OnStarting(() =>
            {
                if (!response.Headers.ContainsKey(HeaderNames.CacheControl))
                {
                    response.Headers.CacheControl = "no-store";
                }
                return Task.CompletedTask;
            });
        }
    }

    private static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext context, CancellationToken ct)
    {
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await WriteProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
            "Too many requests from this address; wait a minute and try again.");
    }

    private static async Task WriteProblemAsync(HttpContext http, int status, string title, string detail)
    {
        http.Response.StatusCode = status;
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
