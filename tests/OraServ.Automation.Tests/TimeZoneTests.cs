using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using OraServ.Testing;

namespace OraServ.Automation.Tests;

/// <summary>
/// The tenant's time zone comes with InvoiceIssued (Invoicing's setting of the tenant): due dates and quiet hours follow
/// it, even when a dispatcher's token says another zone. Events without one (published before the field existed) leave
/// the zone to the token, as every test of <see cref="SchedulingTests"/> shows.
/// </summary>
[Collection(AutomationCollection.Name)]
public sealed class TimeZoneTests(AutomationFixture fixture) : IAsyncLifetime
{
    private const string Tokyo = "Asia/Tokyo";
    private static readonly TimeZoneInfo TokyoZone = TimeZoneInfo.FindSystemTimeZoneById(Tokyo);
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly Guid _tenant = Guid.CreateVersion7();
    private AutomationHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await AutomationHost.StartAsync(fixture.Servers, TestServers.NewDatabaseName("automation"), _clock);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static DateOnly TokyoDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TokyoZone).DateTime);

    private static DateTimeOffset TokyoTime(DateOnly date, int hour, int minute = 0) =>
        new(TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(new TimeOnly(hour, minute)), TokyoZone), TimeSpan.Zero);

    private async Task<string> TenantZoneAsync()
    {
        await using var db = AutomationHost.Context(_host.ConnectionString);
        return (await db.Tenants.IgnoreQueryFilters().SingleAsync(t => t.TenantId == _tenant)).TimeZone;
    }

    [Fact]
    public async Task An_overdue_step_is_due_at_nine_in_the_morning_of_the_time_zone_the_invoice_event_carries()
    {
        // The dispatcher's token says Chicago; Invoicing's settings of the tenant say Tokyo.
        var dispatcher = _host.ClientFor(_tenant, timeZone: AutomationHost.TimeZone);
        var rule = Assert.Single((await dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!);
        (await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", new
        {
            name = rule.Name, trigger = new { @event = "invoice.overdue", days = 5 }, action = new { channel = "sms", template = rule.Action.Template }, enabled = true,
        })).EnsureSuccessStatusCode();
        var now = _clock.GetUtcNow();
        var invoice = Invoices.Issued(_tenant, TokyoDate(now).AddDays(1), now) with { TimeZone = Tokyo };

        await _host.PublishAsync(invoice);

        await Invoices.WaitForReminderAsync(_host, invoice.InvoiceId, ReminderStatus.Pending);
        var expected = TokyoTime(invoice.DueDate.AddDays(5), 9);
        Assert.Equal(expected, (await Invoices.ReminderAsync(_host, invoice.InvoiceId))!.DueAt);
        Assert.Equal(Tokyo, await TenantZoneAsync());

        // Neither the token (on the next request) nor an older event redelivered late turns the zone back.
        (await dispatcher.GetAsync("/api/automations")).EnsureSuccessStatusCode();
        var older = Invoices.Issued(_tenant, invoice.DueDate, now.AddHours(-1), number: "INV-000041") with { TimeZone = "Europe/Berlin" };
        await _host.PublishAsync(older);
        await Invoices.WaitForReminderAsync(_host, older.InvoiceId, ReminderStatus.Pending);
        Assert.Equal(Tokyo, await TenantZoneAsync());
        Assert.Equal(expected, (await Invoices.ReminderAsync(_host, invoice.InvoiceId))!.DueAt);
        Assert.Equal(expected, (await Invoices.ReminderAsync(_host, older.InvoiceId))!.DueAt);
    }

    private const string Berlin = "Europe/Berlin";
    private static readonly TimeZoneInfo BerlinZone = TimeZoneInfo.FindSystemTimeZoneById(Berlin);

    private static DateTimeOffset BerlinTime(DateOnly date, int hour) =>
        new(TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(new TimeOnly(hour, 0)), BerlinZone), TimeSpan.Zero);

    /// <summary>PostgreSQL keeps microseconds: event times of whole seconds read back equal.</summary>
    private static DateTimeOffset WholeSeconds(DateTimeOffset instant) => new(instant.Ticks - instant.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private async Task<AutomationTenant> TenantAsync()
    {
        await using var db = AutomationHost.Context(_host.ConnectionString);
        return await db.Tenants.IgnoreQueryFilters().AsNoTracking().SingleAsync(t => t.TenantId == _tenant);
    }

    private async Task<RuleResponse> OverdueRuleAsync(int days)
    {
        var dispatcher = _host.ClientFor(_tenant, timeZone: AutomationHost.TimeZone);
        var rule = Assert.Single((await dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!);
        (await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", new
        {
            name = rule.Name, trigger = new { @event = "invoice.overdue", days }, action = new { channel = "sms", template = rule.Action.Template }, enabled = true,
        })).EnsureSuccessStatusCode();
        return rule;
    }

    [Fact]
    public async Task Invoices_in_the_tenants_time_zone_leave_its_row_alone_so_they_are_applied_side_by_side()
    {
        await OverdueRuleAsync(days: 5);
        var start = WholeSeconds(_clock.GetUtcNow());
        var first = Invoices.Issued(_tenant, TokyoDate(start).AddDays(1), start) with { TimeZone = Tokyo };
        await _host.PublishAsync(first);
        await Invoices.WaitForReminderAsync(_host, first.InvoiceId, ReminderStatus.Pending);
        var taken = await TenantAsync();
        Assert.Equal((Tokyo, start), (taken.TimeZone, taken.TimeZoneFrom));

        // 30 more in the same zone, at once, later on the clock: each is planned, and none rewrote (so none locked) the tenant.
        _clock.Advance(TimeSpan.FromMinutes(10));
        var more = Enumerable.Range(1, 30)
            .Select(n => Invoices.Issued(_tenant, TokyoDate(start).AddDays(1), start.AddSeconds(n), number: $"INV-{n:000000}") with { TimeZone = Tokyo })
            .ToList();
        await Task.WhenAll(more.Select(_host.PublishAsync));
        foreach (var invoice in more)
        {
            await Invoices.WaitForReminderAsync(_host, invoice.InvoiceId, ReminderStatus.Pending);
            Assert.Equal(TokyoTime(invoice.DueDate.AddDays(5), 9), (await Invoices.ReminderAsync(_host, invoice.InvoiceId))!.DueAt);
        }
        var after = await TenantAsync();
        Assert.Equal((Tokyo, start, taken.UpdatedAt), (after.TimeZone, after.TimeZoneFrom, after.UpdatedAt));
    }

    [Fact]
    public async Task The_newest_invoice_event_decides_the_zone_whatever_order_the_events_arrive_in()
    {
        await OverdueRuleAsync(days: 5);
        var start = WholeSeconds(_clock.GetUtcNow());
        var due = TokyoDate(start).AddDays(1);
        var tokyo = Invoices.Issued(_tenant, due, start) with { TimeZone = Tokyo };
        var laterTokyo = Invoices.Issued(_tenant, due, start.AddHours(2), number: "INV-000043") with { TimeZone = Tokyo };
        var betweenBerlin = Invoices.Issued(_tenant, due, start.AddHours(1), number: "INV-000044") with { TimeZone = Berlin };

        // Tokyo, Tokyo again two hours later, then a Berlin event from between them arriving late: Tokyo stays, since an
        // event newer than Berlin's said Tokyo (though that one did not write the tenant's row).
        await _host.PublishAsync(tokyo);
        await Invoices.WaitForReminderAsync(_host, tokyo.InvoiceId, ReminderStatus.Pending);
        await _host.PublishAsync(laterTokyo);
        await Invoices.WaitForReminderAsync(_host, laterTokyo.InvoiceId, ReminderStatus.Pending);
        await _host.PublishAsync(betweenBerlin);
        await Invoices.WaitForReminderAsync(_host, betweenBerlin.InvoiceId, ReminderStatus.Pending);
        Assert.Equal(Tokyo, (await TenantAsync()).TimeZone);
        Assert.Equal(TokyoTime(due.AddDays(5), 9), (await Invoices.ReminderAsync(_host, betweenBerlin.InvoiceId))!.DueAt);

        // A newer event in Berlin moves the tenant, and every pending reminder with it.
        var berlin = Invoices.Issued(_tenant, due, start.AddHours(3), number: "INV-000045") with { TimeZone = Berlin };
        await _host.PublishAsync(berlin);
        await Invoices.WaitForReminderAsync(_host, berlin.InvoiceId, ReminderStatus.Pending);
        var moved = await TenantAsync();
        Assert.Equal((Berlin, berlin.OccurredAt), (moved.TimeZone, moved.TimeZoneFrom));
        foreach (var invoice in new[] { tokyo, laterTokyo, betweenBerlin, berlin })
        {
            Assert.Equal(BerlinTime(due.AddDays(5), 9), (await Invoices.ReminderAsync(_host, invoice.InvoiceId))!.DueAt);
        }
    }

    [Fact]
    public async Task Invoices_of_two_zones_arriving_at_once_and_shuffled_end_in_the_newest_zone_with_every_reminder_in_it()
    {
        await OverdueRuleAsync(days: 5);
        var start = WholeSeconds(_clock.GetUtcNow());
        var due = TokyoDate(start).AddDays(1);
        // 20 issued in Tokyo, then the business moved to Berlin and issued 20 more: delivered all at once, in random order.
        var invoices = Enumerable.Range(0, 40)
            .Select(n => Invoices.Issued(_tenant, due, start.AddSeconds(n), number: $"INV-{n:000000}") with { TimeZone = n < 20 ? Tokyo : Berlin })
            .OrderBy(_ => Random.Shared.Next())
            .ToList();

        await Task.WhenAll(invoices.Select(_host.PublishAsync));

        foreach (var invoice in invoices)
        {
            await Invoices.WaitForReminderAsync(_host, invoice.InvoiceId, ReminderStatus.Pending);
        }
        var tenant = await TenantAsync();
        Assert.Equal(Berlin, tenant.TimeZone);
        Assert.InRange(tenant.TimeZoneFrom!.Value, start.AddSeconds(20), start.AddSeconds(39));
        var expected = BerlinTime(due.AddDays(5), 9);
        foreach (var invoice in invoices)
        {
            Assert.Equal(expected, (await Invoices.ReminderAsync(_host, invoice.InvoiceId))!.DueAt);
        }
    }

    [Fact]
    public async Task Quiet_hours_are_those_of_the_time_zone_the_invoice_event_carries()
    {
        var dispatcher = _host.ClientFor(_tenant, timeZone: AutomationHost.TimeZone);
        (await dispatcher.PostAsJsonAsync("/api/automations", new
        {
            name = "Thanks for your business",
            trigger = new { @event = "invoice.issued", days = 0 },
            action = new { channel = "sms", template = "Hi {{ client.firstName }}, invoice {{ invoice.number }}: {{ invoice.link }}" },
            enabled = true,
        })).EnsureSuccessStatusCode();

        // 23:30 in Tokyo is daytime in Chicago (08:30 or 09:30): quiet for a Tokyo business only.
        var tomorrow = TokyoDate(_clock.GetUtcNow()).AddDays(1);
        var lateEvening = TokyoTime(tomorrow, 23, 30);
        _clock.SetUtcNow(lateEvening);
        var invoice = Invoices.Issued(_tenant, tomorrow.AddDays(30), lateEvening) with { TimeZone = Tokyo };
        await _host.PublishAsync(invoice);
        await Invoices.WaitForReminderAsync(_host, invoice.InvoiceId, ReminderStatus.Pending);

        await _host.TickAtAsync(lateEvening.AddMinutes(1));
        var morning = TokyoTime(tomorrow.AddDays(1), 8);
        var deferred = (await Invoices.ReminderAsync(_host, invoice.InvoiceId))!;
        Assert.Equal((ReminderStatus.Pending, "quiet_hours", morning), (deferred.Status, deferred.Reason, deferred.DueAt));
        Assert.Empty(await Invoices.OutboxSmsAsync(_host, invoice.InvoiceId));

        await _host.TickAtAsync(morning);
        Assert.Equal("Hi Dana, invoice INV-000042: https://pay.oraserv.test/pay/INV-000042", Assert.Single(await Invoices.OutboxSmsAsync(_host, invoice.InvoiceId)).Body);
    }
}
