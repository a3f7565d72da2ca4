using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace OraServ.FunctionalTests;

/// <summary>Telemetry:TraceSampleRatio decides which share of the traces a service records and exports.</summary>
public sealed class TraceSamplingTests
{
    private static readonly ActivitySource Source = new("OraServ.SamplingProbe");

    [Theory]
    [InlineData(null, 200)]
    [InlineData("1", 200)]
    [InlineData("0", 0)]
    public void A_service_records_the_configured_share_of_the_traces_that_start_in_it(string? ratio, int recorded)
    {
        using var host = Host(ratio);

        var sampled = Enumerable.Range(0, 200).Count(_ =>
        {
            using var activity = Source.StartActivity("probe");
            return activity?.Recorded == true;
        });

        Assert.Equal(recorded, sampled);
    }

    [Fact]
    public void A_trace_sampled_by_the_caller_stays_sampled_in_a_service_that_samples_nothing_of_its_own()
    {
        using var host = Host("0");
        var caller = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        using var activity = Source.StartActivity("probe", ActivityKind.Server, caller);

        Assert.True(activity?.Recorded);
    }

    [Theory]
    [InlineData("half")]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void A_ratio_outside_0_to_1_stops_the_service_at_start_naming_the_setting(string ratio)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Host(ratio));

        Assert.Contains("Telemetry:TraceSampleRatio", error.Message);
    }

    private static IHost Host(string? ratio)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Telemetry:TraceSampleRatio"] = ratio });
        builder.AddServiceDefaults();
        var host = builder.Build();
        host.Services.GetRequiredService<TracerProvider>();
        return host;
    }
}
