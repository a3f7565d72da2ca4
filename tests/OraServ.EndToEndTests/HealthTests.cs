using System.Net;
using OraServ.Contracts;

namespace OraServ.EndToEndTests;

[Collection(AppHostCollection.Name)]
public sealed class HealthTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Every_service_answers_healthy_through_the_gateway()
    {
        foreach (var service in AppHostFixture.Services)
        {
            var response = await fixture.Gateway.GetAsync($"/health/{service}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{service}: {(int)response.StatusCode}");
            Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await fixture.Gateway.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task An_api_route_without_a_token_is_refused_by_the_service_behind_the_gateway()
    {
        var response = await fixture.Gateway.GetAsync("/api/invoices");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Every_service_exports_its_metrics_at_the_interval_the_app_host_was_given()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        foreach (var service in AppHostFixture.Services.Append(ResourceNames.Gateway))
        {
            // Aspire's own setting is 1 s (1000); OraServ:MetricExportInterval=5000 in the fixture replaces it.
            var running = await fixture.App.ResourceNotifications.WaitForResourceAsync(service,
                e => e.Snapshot.EnvironmentVariables.Any(v => v.Name == "OTEL_METRIC_EXPORT_INTERVAL"), timeout.Token);
            var interval = running.Snapshot.EnvironmentVariables.Where(v => v.Name == "OTEL_METRIC_EXPORT_INTERVAL").ToList();
            Assert.All(interval, v => Assert.Equal("5000", v.Value));
        }
    }
}
