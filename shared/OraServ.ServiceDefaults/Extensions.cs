using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using OraServ.ServiceDefaults;

namespace Microsoft.Extensions.Hosting;

/// <summary>What every OraServ process shares: telemetry, health, service discovery, resilience.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Activity sources and meters of OraServ's own code and of MassTransit.</summary>
    public static readonly string[] TelemetrySources = ["OraServ.*", "MassTransit", "Npgsql"];

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (builder.Configuration.GetValue<bool>(CpuPriority.OwnShareSetting))
        {
            CpuPriority.OwnShare();
        }
        if (builder.Configuration.GetValue<int?>(CpuPriority.ShareNiceSetting) is { } shareNice)
        {
            CpuPriority.OfShare(shareNice);
        }
        if (builder.Configuration.GetValue<int?>(CpuPriority.Setting) is { } nice)
        {
            CpuPriority.OfProcess(nice);
        }
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        builder.Services.AddProblemDetails();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetrySources))
            .WithTracing(tracing => tracing
                .SetSampler(TraceSampler(builder.Configuration["Telemetry:TraceSampleRatio"]))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetrySources)
                .AddAspNetCoreInstrumentation(options =>
                    options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Every trace by default; Telemetry:TraceSampleRatio (0 to 1) keeps that share of the traces that start here and
    /// follows the caller's decision otherwise, so a sampled request is traced through every service it reaches.
    /// </summary>
    private static Sampler TraceSampler(string? configured)
    {
        if (string.IsNullOrEmpty(configured))
        {
            return new ParentBasedSampler(new AlwaysOnSampler());
        }
        if (!double.TryParse(configured, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio) || ratio is < 0 or > 1)
        {
            throw new InvalidOperationException($"Telemetry:TraceSampleRatio is '{configured}'; it must be a number from 0 to 1.");
        }
        return new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio));
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        return builder;
    }

    /// <summary>/health (ready: every check passes) and /alive (the process answers).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains("live") }).AllowAnonymous();
        return app;
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");
}
