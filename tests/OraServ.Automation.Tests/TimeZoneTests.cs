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
