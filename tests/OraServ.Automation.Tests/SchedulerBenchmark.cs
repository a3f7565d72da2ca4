using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using OraServ.Testing;
using Xunit.Abstractions;

namespace OraServ.Automation.Tests;

/// <summary>Runs only when ORASERV_BENCHMARK=1: a measurement, not a timed test.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("ORASERV_BENCHMARK") != "1")
        {
            Skip = "A benchmark: set ORASERV_BENCHMARK=1 to run it.";
        }
    }
}

/// <summary>
/// One scheduler tick over 1,000,000 open invoices with a pending reminder each (1,000 tenants), of which 1,000 are due:
/// the tick reads the partial index on due_at (pending only), never the table.
/// Run: ORASERV_BENCHMARK=1 dotnet test tests/OraServ.Automation.Tests --filter Category=Benchmark --logger "console;verbosity=detailed"
/// </summary>
[Collection(AutomationCollection.Name)]
[Trait("Category", "Benchmark")]
public sealed class SchedulerBenchmark(AutomationFixture fixture, ITestOutputHelper output)
{
    private const int InvoiceCount = 1_000_000;
    private const int DueCount = 1000;

    public const string SeedSql = """
        INSERT INTO tenants (tenant_id, time_zone, currency, business_name, created_at, updated_at)
        SELECT md5('tenant' || t)::uuid, 'America/Chicago', 'USD', 'Tenant ' || t, @now, @now FROM generate_series(1, 1000) t;
        INSERT INTO rules (id, tenant_id, name, trigger_event, trigger_days, channel, template, enabled, created_at, updated_at)
        SELECT tenant_id, tenant_id, 'Overdue by 5 days', 'invoice.overdue', 5, 'sms',
               'Hey {{client.firstName}}, you have an invoice past due by 5 days. Click here to pay: {{invoice.link}}', true, @now, @now
        FROM tenants;
        INSERT INTO invoices (id, tenant_id, issued, number, client_id, client_first_name, client_last_name, client_email, client_phone,
                              business_name, currency, total, amount_due, due_date, issued_at, pay_url, status, disputed, last_event_at)
        SELECT md5('invoice' || i)::uuid, md5('tenant' || (i % 1000 + 1))::uuid, true, 'INV-' || lpad(i::text, 7, '0'),
               md5('client' || i)::uuid, 'Dana', 'Reyes', 'dana@example.com', '+15551234567', 'Acme Plumbing', 'USD', 250, 250,
               (@now::date - 5), @now - interval '35 days', 'https://pay.oraserv.test/pay/' || i, 'open', false, @now
        FROM generate_series(1, @count) i;
        INSERT INTO reminders (rule_id, invoice_id, tenant_id, due_at, status, created_at, updated_at)
        SELECT md5('tenant' || (i % 1000 + 1))::uuid, md5('invoice' || i)::uuid, md5('tenant' || (i % 1000 + 1))::uuid,
               CASE WHEN i <= @due THEN @now - interval '1 minute' ELSE @now + (i % 43200 + 1) * interval '1 minute' END,
               'pending', @now, @now
        FROM generate_series(1, @count) i;
        ANALYZE;
        """;

    public const string ClaimSql =
        "SELECT * FROM reminders WHERE status = 'pending' AND due_at <= @now ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED";

    [BenchmarkFact]
    public async Task One_tick_over_a_million_open_invoices_reads_the_due_ones_through_the_index()
    {
        var database = TestServers.NewDatabaseName("automation_bench");
        var connectionString = fixture.Servers.ConnectionString(database);
        await AutomationHost.MigrateAsync(connectionString);
        var now = new DateTimeOffset(2026, 12, 7, 16, 0, 0, TimeSpan.Zero); // 10:00 in Chicago
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            var seed = Stopwatch.StartNew();
            await using (var command = new NpgsqlCommand(SeedSql, connection) { CommandTimeout = 600 })
            {
                command.Parameters.AddWithValue("now", now);
                command.Parameters.AddWithValue("count", InvoiceCount);
                command.Parameters.AddWithValue("due", DueCount);
                await command.ExecuteNonQueryAsync();
            }
            output.WriteLine($"Seeded {InvoiceCount:N0} invoices and pending reminders in {seed.Elapsed.TotalSeconds:F1} s");

            await using var tx = await connection.BeginTransactionAsync();
            await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + ClaimSql, connection, tx);
            explain.Parameters.AddWithValue("now", now);
            var plan = new List<string>();
            await using (var reader = await explain.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    plan.Add(reader.GetString(0));
                }
            }
            await tx.RollbackAsync();
            output.WriteLine(string.Join(Environment.NewLine, plan));
            Assert.Contains(plan, line => line.Contains("Index Scan using ix_reminders_pending_due", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, line => line.Contains("Seq Scan", StringComparison.Ordinal));
        }

        // The service's own services without its background work (scheduler loop, outbox relay, bus): only the measured ticks run.
        await using var host = await AutomationHost.StartAsync(fixture.Servers, database, new FakeTimeProvider(now),
            configure: services => services.RemoveAll<Microsoft.Extensions.Hosting.IHostedService>());
        var services = host.Services;
        var scheduler = new ReminderScheduler(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<ReminderTemplates>(),
            new SchedulerStatus(), new FakeTimeProvider(now), services.GetRequiredService<IOptions<AutomationOptions>>(), NullLogger<ReminderScheduler>.Instance);

        var ticks = new List<(int Claimed, TimeSpan Took)>();
        int claimed;
        do
        {
            var watch = Stopwatch.StartNew();
            claimed = await scheduler.TickAsync(CancellationToken.None);
            ticks.Add((claimed, watch.Elapsed));
        }
        while (claimed > 0);
        foreach (var (count, took) in ticks)
        {
            output.WriteLine($"tick: {count} reminders sent in {took.TotalMilliseconds:F0} ms");
        }
        var warm = ticks.Skip(1).Where(t => t.Claimed > 0).ToList();
        output.WriteLine($"warm ticks: {warm.Average(t => t.Took.TotalMilliseconds):F0} ms on average for {warm.Average(t => t.Claimed):F0} reminders; idle tick {ticks[^1].Took.TotalMilliseconds:F1} ms");
        var idle = Stopwatch.StartNew();
        for (var i = 0; i < 20; i++)
        {
            await scheduler.TickAsync(CancellationToken.None);
        }
        output.WriteLine($"idle tick over {InvoiceCount:N0} pending reminders: {idle.Elapsed.TotalMilliseconds / 20:F1} ms on average (20 ticks)");

        await using var db = AutomationHost.Context(connectionString);
        Assert.Equal(DueCount, await db.Reminders.IgnoreQueryFilters().CountAsync(r => r.Status == ReminderStatus.Sent));
        Assert.Equal(DueCount, await db.OutboxMessages.CountAsync());
        Assert.True(ticks[^1].Took < TimeSpan.FromSeconds(1), $"An idle tick took {ticks[^1].Took}.");
        Assert.All(warm, t => Assert.True(t.Took < TimeSpan.FromSeconds(1), $"A tick of {t.Claimed} took {t.Took}."));
    }
}
