using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Testing;

namespace OraServ.Automation.Tests;

/// <summary>Invoices as Invoicing issues them, and what Automation did with them.</summary>
public static class Invoices
{
    public static readonly TimeZoneInfo Chicago = TimeZoneInfo.FindSystemTimeZoneById(AutomationHost.TimeZone);

    public static InvoiceIssued Issued(Guid tenant, DateOnly dueDate, DateTimeOffset issuedAt, decimal amountDue = 1234.5m, string? phone = "+15551234567",
        Guid? clientId = null, string number = "INV-000042") => new()
    {
        TenantId = tenant,
        InvoiceId = Guid.CreateVersion7(),
        Number = number,
        BusinessName = "Acme Plumbing",
        Client = new ClientContact
        {
            ClientId = clientId ?? Guid.CreateVersion7(), FirstName = "Dana", LastName = "Reyes", Email = "dana@example.com", Phone = phone,
        },
        Lines = [new InvoiceLineSnapshot { Kind = "service", Description = "Water heater swap", Quantity = 1, UnitPrice = amountDue, Amount = amountDue }],
        Currency = "USD",
        Subtotal = amountDue,
        Tax = 0,
        Total = amountDue,
        AmountDue = amountDue,
        IssuedAt = issuedAt,
        OccurredAt = issuedAt,
        DueDate = dueDate,
        PayToken = "tok" + Guid.NewGuid().ToString("N"),
        PayUrl = $"https://pay.oraserv.test/pay/{number}",
    };

    /// <summary>The tenant's calendar date at an instant.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Chicago).DateTime);

    /// <summary>The instant a Chicago wall clock shows this date and time.</summary>
    public static DateTimeOffset Local(DateOnly date, int hour, int minute = 0) =>
        new(TimeZoneInfo.ConvertTimeToUtc(date.ToDateTime(new TimeOnly(hour, minute)), Chicago), TimeSpan.Zero);

    public static async Task<Reminder?> ReminderAsync(AutomationHost host, Guid invoiceId)
    {
        await using var db = AutomationHost.Context(host.ConnectionString);
        return await db.Reminders.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(r => r.InvoiceId == invoiceId);
    }

    public static Task WaitForReminderAsync(AutomationHost host, Guid invoiceId, string status) =>
        Eventually.TrueAsync(async () => (await ReminderAsync(host, invoiceId))?.Status == status, $"a {status} reminder for invoice {invoiceId}");

    /// <summary>The SMS requests Automation committed to its outbox for an invoice: what it asked Notifications to send.</summary>
    public static async Task<List<SendSms>> OutboxSmsAsync(AutomationHost host, Guid? invoiceId = null)
    {
        await using var db = AutomationHost.Context(host.ConnectionString);
        var rows = await db.OutboxMessages.AsNoTracking().Where(m => m.Type == typeof(SendSms).FullName).ToListAsync();
        return [.. rows.Select(r => (SendSms)r.ToEvent()).Where(m => invoiceId is null || m.InvoiceId == invoiceId)];
    }
}
