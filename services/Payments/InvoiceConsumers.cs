using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Messaging;

namespace OraServ.Payments;

// Invoicing's events may arrive in any order (redelivery, retries); each consumer finds or starts the row and
// applies only what is newer, so the pay page ends in the same state whatever the order.

public sealed class InvoiceIssuedConsumer(PaymentsDbContext db, IServiceProvider services) : InboxConsumer<InvoiceIssued, PaymentsDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceIssued message, CancellationToken ct)
    {
        var invoice = await Db.PayableInvoices.FindOrStartAsync(message.InvoiceId, message.TenantId, ct);
        invoice.Apply(message);
    }
}

public sealed class InvoiceBalanceChangedConsumer(PaymentsDbContext db, IServiceProvider services) : InboxConsumer<InvoiceBalanceChanged, PaymentsDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceBalanceChanged message, CancellationToken ct)
    {
        var invoice = await Db.PayableInvoices.FindOrStartAsync(message.InvoiceId, message.TenantId, ct);
        if (message.OccurredAt < invoice.BalanceAsOf || invoice.Status == InvoiceStatus.Void)
        {
            return;
        }
        invoice.AmountDue = message.AmountDue;
        invoice.AmountPaid = message.AmountPaid;
        invoice.Currency = message.Currency;
        invoice.Status = message.Status == InvoiceStatus.Paid ? InvoiceStatus.Paid : InvoiceStatus.Open;
        // InvoicePaid, published with this balance, brings the exact time; until it arrives this one is close to it.
        invoice.PaidAt = invoice.Status == InvoiceStatus.Paid ? invoice.PaidAt ?? message.OccurredAt : null;
        invoice.BalanceAsOf = message.OccurredAt;
    }
}

public sealed class InvoicePaidConsumer(PaymentsDbContext db, IServiceProvider services) : InboxConsumer<InvoicePaid, PaymentsDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoicePaid message, CancellationToken ct)
    {
        var invoice = await Db.PayableInvoices.FindOrStartAsync(message.InvoiceId, message.TenantId, ct);
        if (message.OccurredAt < invoice.BalanceAsOf || invoice.Status == InvoiceStatus.Void)
        {
            return;
        }
        invoice.Status = InvoiceStatus.Paid;
        invoice.AmountDue = 0;
        invoice.AmountPaid = message.AmountPaid;
        invoice.Currency = message.Currency;
        invoice.PaidAt = message.PaidAt;
        invoice.BalanceAsOf = message.OccurredAt;
    }
}

public sealed class InvoiceVoidedConsumer(PaymentsDbContext db, IServiceProvider services) : InboxConsumer<InvoiceVoided, PaymentsDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceVoided message, CancellationToken ct)
    {
        var invoice = await Db.PayableInvoices.FindOrStartAsync(message.InvoiceId, message.TenantId, ct);
        invoice.MarkVoid();
    }
}

internal static class PayableInvoiceExtensions
{
    public static async Task<PayableInvoice> FindOrStartAsync(this DbSet<PayableInvoice> invoices, Guid id, Guid tenantId, CancellationToken ct)
    {
        var invoice = await invoices.IgnoreQueryFilters().SingleOrDefaultAsync(i => i.Id == id && i.TenantId == tenantId, ct);
        if (invoice is null)
        {
            invoice = new PayableInvoice { Id = id, TenantId = tenantId };
            invoices.Add(invoice);
        }
        return invoice;
    }
}
