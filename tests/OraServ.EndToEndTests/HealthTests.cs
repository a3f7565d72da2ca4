using System.Globalization;
using System.Net;
using OraServ.Contracts;
using OraServ.Testing;

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

    [Theory]
    [InlineData(ResourceNames.Automation, 10)]
    [InlineData(ResourceNames.MailCatcher, 10)]
    [InlineData(ResourceNames.Notifications, 0)]
    [InlineData(ResourceNames.Jobs, 0)]
    public async Task Reminders_and_the_mail_catcher_run_below_the_priority_of_the_services_people_wait_on(string resource, int nice)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = await fixture.App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), timeout.Token);
        var pid = Convert.ToInt32(running.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);

        // The resource's process is Aspire's launcher (dotnet run, dotnet tool run): what it started is the service. Every
        // thread of those, as ps -L shows them.
        var started = Descendants(pid);
        Assert.NotEmpty(started);
        var threads = started.SelectMany(p => Directory.EnumerateDirectories($"/proc/{p}/task")).Select(task => Stat(task)).OfType<string>().ToList();
        Assert.NotEmpty(threads);
        Assert.All(threads, stat => Assert.Equal(nice, ThreadPriorities.Nice(stat)));

        static List<int> Descendants(int root)
        {
            var parents = Directory.EnumerateDirectories("/proc").Select(Stat).OfType<string>()
                .Select(stat => (Pid: int.Parse(stat[..stat.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture), Parent: ThreadPriorities.Parent(stat)))
                .ToLookup(p => p.Parent, p => p.Pid);
            var found = new List<int>();
            for (var next = new Queue<int>([root]); next.TryDequeue(out var parent);)
            {
                foreach (var child in parents[parent])
                {
                    found.Add(child);
                    next.Enqueue(child);
                }
            }
            return found;
        }

        // Not every folder of /proc is a process, and a process or thread that ended since the folder was listed has nothing to show.
        static string? Stat(string folder)
        {
            try
            {
                return int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out _) ? File.ReadAllText(Path.Combine(folder, "stat")) : null;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }
}
