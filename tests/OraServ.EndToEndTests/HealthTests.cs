using System.Globalization;
using System.Net;
using Aspire.Hosting.Testing;
using Npgsql;
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
    [InlineData(ResourceNames.Gateway, true)]
    [InlineData(ResourceNames.Invoicing, true)]
    [InlineData(ResourceNames.Jobs, true)]
    [InlineData(ResourceNames.Payments, true)]
    [InlineData(ResourceNames.Notifications, false)]
    [InlineData(ResourceNames.Automation, false)]
    public async Task The_services_people_wait_on_each_take_a_cpu_share_of_their_own_and_the_others_share_one_below_them(string resource, bool own)
    {
        var service = Assert.Single(await StartedByAsync(resource), p => p.Argv0.Contains("OraServ.", StringComparison.Ordinal));
        var launcher = File.ReadAllText($"/proc/{service.Parent}/stat");

        // A session of its own (Linux autogroups share the CPU between sessions), or its launcher's.
        Assert.Equal(own, ThreadPriorities.Session(service.Stat) == service.Pid);
        Assert.Equal(own, ThreadPriorities.Session(service.Stat) != ThreadPriorities.Session(launcher));
        // The orchestrator's session, where the launcher runs, has its share at the lowest priority; a share of its own is
        // at normal priority.
        Assert.Equal(19, ThreadPriorities.ShareNice(service.Parent));
        Assert.Equal(own ? 0 : 19, ThreadPriorities.ShareNice(service.Pid));
    }

    [Theory]
    [InlineData(ResourceNames.JobsDb, 0)]
    [InlineData(ResourceNames.InvoicingDb, 0)]
    [InlineData(ResourceNames.PaymentsDb, 0)]
    [InlineData(ResourceNames.NotificationsDb, 19)]
    [InlineData(ResourceNames.AutomationDb, 19)]
    public async Task The_database_work_of_a_service_runs_at_the_priority_of_its_cpu_share(string database, int nice)
    {
        var connectionString = await fixture.App.GetConnectionStringAsync(database)
            ?? throw new InvalidOperationException($"No connection string for {database}.");
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()", connection);
        var backends = new List<int>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                backends.Add(reader.GetInt32(0));
            }
        }

        // The service keeps connections open in its pool (its outbox relay polls), each a backend of its own.
        Assert.NotEmpty(backends);
        Assert.All(backends, pid => Assert.Equal(nice, ThreadPriorities.ShareNice(pid)));
    }

    [Theory]
    [InlineData(ResourceNames.Automation, 10)]
    [InlineData(ResourceNames.MailCatcher, 10)]
    [InlineData(ResourceNames.Notifications, 0)]
    [InlineData(ResourceNames.Jobs, 0)]
    public async Task Reminders_and_the_mail_catcher_run_below_the_priority_of_the_services_people_wait_on(string resource, int nice)
    {
        var started = await StartedByAsync(resource);
        Assert.NotEmpty(started);
        // Every thread of what the launcher started, as ps -L shows them.
        var threads = started.SelectMany(p => Directory.EnumerateDirectories($"/proc/{p.Pid}/task")).Select(Stat).OfType<string>().ToList();
        Assert.NotEmpty(threads);
        Assert.All(threads, stat => Assert.Equal(nice, ThreadPriorities.Nice(stat)));
    }

    private sealed record Started(int Pid, int Parent, string Stat, string Argv0);

    /// <summary>
    /// The processes a resource's process started, and theirs: that process is Aspire's launcher (dotnet run, dotnet tool
    /// run), what it started is the service.
    /// </summary>
    private async Task<List<Started>> StartedByAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var running = await fixture.App.ResourceNotifications.WaitForResourceAsync(resource,
            e => e.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null), timeout.Token);
        var launcher = Convert.ToInt32(running.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, CultureInfo.InvariantCulture);

        var children = Directory.EnumerateDirectories("/proc").Select(Stat).OfType<string>()
            .Select(stat => (Pid: int.Parse(stat[..stat.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture), Stat: stat))
            .ToLookup(p => ThreadPriorities.Parent(p.Stat));
        var found = new List<Started>();
        for (var next = new Queue<int>([launcher]); next.TryDequeue(out var parent);)
        {
            foreach (var (pid, stat) in children[parent])
            {
                found.Add(new Started(pid, parent, stat, Read($"/proc/{pid}/cmdline")?.Split('\0')[0] ?? ""));
                next.Enqueue(pid);
            }
        }
        return found;
    }

    // Not every folder of /proc is a process.
    private static string? Stat(string folder) =>
        int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out _) ? Read(Path.Combine(folder, "stat")) : null;

    // A process or thread that ended since its folder was listed has nothing to show.
    private static string? Read(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
