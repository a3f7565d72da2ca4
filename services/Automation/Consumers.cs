using OraServ.Contracts;
using OraServ.Messaging;

namespace OraServ.Automation;

/// <summary>Keeps the invoice with its event's time zone, creates the tenant (and its default rule) on its first invoice, takes the zone of its newest invoice, and plans the invoice's reminders.</summary>
public sealed class InvoiceIssuedConsumer(AutomationDbContext db, IServiceProvider services, TenantDirectory tenants, ReminderPlanner planner)
    : InboxConsumer<InvoiceIssued, AutomationDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceIssued message, CancellationToken ct)
    {
        var zone = TenantClock.NormalizeId(message.TimeZone);
        var tenant = await tenants.EnsureAsync(message.TenantId, zone, message.Currency, message.BusinessName, ct);
        var invoice = await Db.Invoices.FindAsync([message.InvoiceId], ct);
        if (invoice is null)
        {
            invoice = new InvoiceView { Id = message.InvoiceId, TenantId = message.TenantId, LastEventAt = message.OccurredAt };
            Db.Invoices.Add(invoice);
        }
        invoice.Issued = true;
        invoice.Number = message.Number;
        invoice.ClientId = message.Client.ClientId;
        invoice.ClientFirstName = message.Client.FirstName;
        invoice.ClientLastName = message.Client.LastName;
        invoice.ClientEmail = message.Client.Email;
        invoice.ClientPhone = message.Client.Phone;
        invoice.BusinessName = message.BusinessName;
        invoice.Currency = message.Currency;
        invoice.Total = message.Total;
        invoice.DueDate = message.DueDate;
        invoice.IssuedAt = message.IssuedAt;
        invoice.PayUrl = message.PayUrl;
        invoice.IssuedTimeZone = zone;
        invoice.IssuedEventAt = message.OccurredAt;
        if (invoice.LastEventAt <= message.OccurredAt)
        {
            // Not overtaken by a payment or a void that arrived first.
            invoice.AmountDue = message.AmountDue;
            invoice.LastEventAt = message.OccurredAt;
        }
        await Db.SaveChangesAsync(ct);
        var zoneChanged = await tenants.TakeTimeZoneAsync(tenant, zone, ct);
        // A new time zone moves every pending date-based step of the tenant, not only this invoice's.
        await planner.PlanAsync(message.TenantId, invoiceId: zoneChanged ? null : invoice.Id, ct: ct);
    }
}

/// <summary>A payment or a refund: the balance follows; paid in full cancels the reminders, a refund that reopens it plans them again.</summary>
public sealed class InvoiceBalanceChangedConsumer(AutomationDbContext db, IServiceProvider services, ReminderPlanner planner)
    : InboxConsumer<InvoiceBalanceChanged, AutomationDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceBalanceChanged message, CancellationToken ct)
    {
        var invoice = await Db.Invoices.FindAsync([message.InvoiceId], ct);
        if (invoice is null || invoice.LastEventAt > message.OccurredAt || invoice.Status == InvoiceStatus.Void)
        {
            return;
        }
        var status = message.Status == InvoiceStatus.Paid ? InvoiceStatus.Paid : InvoiceStatus.Open;
        var reopened = invoice.Status != InvoiceStatus.Open && status == InvoiceStatus.Open;
        if (status == InvoiceStatus.Paid)
        {
            // Reminders before the invoice row: the scheduler locks reminders only, so this order never deadlocks with a tick.
            await planner.CancelForInvoiceAsync(invoice.Id, "invoice_paid", ct);
        }
        invoice.AmountDue = message.AmountDue;
        invoice.Status = status;
        invoice.LastEventAt = message.OccurredAt;
        await Db.SaveChangesAsync(ct);
        if (reopened)
        {
            await planner.PlanAsync(invoice.TenantId, invoiceId: invoice.Id, ct: ct);
        }
    }
}

/// <summary>Paid: no more reminders. Arriving before the invoice's issue event, it leaves a paid stub the issue event fills in.</summary>
public sealed class InvoicePaidConsumer(AutomationDbContext db, IServiceProvider services, ReminderPlanner planner)
    : InboxConsumer<InvoicePaid, AutomationDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoicePaid message, CancellationToken ct)
    {
        var invoice = await Db.Invoices.FindAsync([message.InvoiceId], ct);
        if (invoice is null)
        {
            invoice = new InvoiceView { Id = message.InvoiceId, TenantId = message.TenantId, Number = message.Number, Currency = message.Currency };
            Db.Invoices.Add(invoice);
        }
        else if (invoice.LastEventAt > message.OccurredAt || invoice.Status == InvoiceStatus.Void)
        {
            return;
        }
        await planner.CancelForInvoiceAsync(invoice.Id, "invoice_paid", ct);
        invoice.Status = InvoiceStatus.Paid;
        invoice.AmountDue = 0;
        invoice.LastEventAt = message.OccurredAt;
    }
}

/// <summary>Voided: final, whatever came before or comes after.</summary>
public sealed class InvoiceVoidedConsumer(AutomationDbContext db, IServiceProvider services, ReminderPlanner planner)
    : InboxConsumer<InvoiceVoided, AutomationDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceVoided message, CancellationToken ct)
    {
        var invoice = await Db.Invoices.FindAsync([message.InvoiceId], ct);
        if (invoice is null)
        {
            invoice = new InvoiceView { Id = message.InvoiceId, TenantId = message.TenantId, Number = message.Number ?? "" };
            Db.Invoices.Add(invoice);
        }
        await planner.CancelForInvoiceAsync(invoice.Id, "invoice_void", ct);
        invoice.Status = InvoiceStatus.Void;
        invoice.LastEventAt = message.OccurredAt > invoice.LastEventAt ? message.OccurredAt : invoice.LastEventAt;
    }
}

/// <summary>A failed card payment: the tenant's payment.failed rules go out for the invoice (once per rule and invoice).</summary>
public sealed class PaymentFailedConsumer(AutomationDbContext db, IServiceProvider services, ReminderPlanner planner)
    : InboxConsumer<PaymentFailed, AutomationDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(PaymentFailed message, CancellationToken ct)
    {
        var invoice = await Db.Invoices.FindAsync([message.InvoiceId], ct);
        if (invoice is not { Issued: true, Status: InvoiceStatus.Open })
        {
            return;
        }
        invoice.PaymentFailedAt = message.OccurredAt;
        await Db.SaveChangesAsync(ct);
        await planner.PlanAsync(invoice.TenantId, invoiceId: invoice.Id, trigger: TriggerEvents.PaymentFailed, ct: ct);
    }
}

/// <summary>
/// A chargeback on one of the invoice's payments: no reminder goes out while the money is in dispute. Arriving before the
/// invoice's issue event, it leaves a disputed stub, so the issue event plans nothing.
/// </summary>
public sealed class PaymentDisputedConsumer(AutomationDbContext db, IServiceProvider services, ReminderPlanner planner)
    : InboxConsumer<PaymentDisputed, AutomationDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(PaymentDisputed message, CancellationToken ct)
    {
        var invoice = await Db.Invoices.FindAsync([message.InvoiceId], ct);
        if (invoice is null)
        {
            invoice = new InvoiceView { Id = message.InvoiceId, TenantId = message.TenantId, Currency = message.Currency };
            Db.Invoices.Add(invoice);
        }
        await planner.CancelForInvoiceAsync(invoice.Id, "invoice_disputed", ct);
        invoice.Disputed = true;
    }
}
