using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Messaging;

namespace OraServ.Invoicing;

/// <summary>Keeps the completed job's snapshot, so "Invoice Job" needs nothing else.</summary>
public sealed class JobCompletedConsumer(InvoicingDbContext db, IServiceProvider services)
    : InboxConsumer<JobCompleted, InvoicingDbContext>(db, services)
{
    protected override async Task HandleAsync(JobCompleted message, CancellationToken ct)
    {
        if (await Db.JobSnapshots.AnyAsync(s => s.JobId == message.JobId, ct))
        {
            return;
        }
        Db.JobSnapshots.Add(new JobSnapshot
        {
            JobId = message.JobId,
            TenantId = message.TenantId,
            Title = message.Title,
            Client = message.Client,
            Lines = [.. message.Lines],
            Currency = message.Currency,
            Notes = message.Notes,
            CompletedAt = message.CompletedAt,
        });
    }
}

/// <summary>Applies a card payment once by its payment id (the inbox dedupes messages, the payment id dedupes payments).</summary>
public sealed class PaymentSucceededConsumer(InvoicingDbContext db, IServiceProvider services, InvoiceWorkflow workflow)
    : InboxConsumer<PaymentSucceeded, InvoicingDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override Task HandleAsync(PaymentSucceeded message, CancellationToken ct) =>
        workflow.ApplyPaymentAsync(message.InvoiceId, message.PaymentId, message.Amount, message.Method, null, message.PaidAt, ct);
}

/// <summary>Takes a refund back once by its refund id; a paid invoice reopens.</summary>
public sealed class PaymentRefundedConsumer(InvoicingDbContext db, IServiceProvider services, InvoiceWorkflow workflow)
    : InboxConsumer<PaymentRefunded, InvoicingDbContext>(db, services)
{
    protected override Task HandleAsync(PaymentRefunded message, CancellationToken ct) =>
        workflow.ApplyRefundAsync(message.InvoiceId, message.RefundId, message.Amount, message.OccurredAt, ct);
}

/// <summary>A chargeback on a card payment: the invoice is flagged disputed, once per dispute; its status stays.</summary>
public sealed class PaymentDisputedConsumer(InvoicingDbContext db, IServiceProvider services, InvoiceWorkflow workflow)
    : InboxConsumer<PaymentDisputed, InvoicingDbContext>(db, services)
{
    protected override Task HandleAsync(PaymentDisputed message, CancellationToken ct) =>
        workflow.FlagDisputedAsync(message.InvoiceId, message.DisputeId, message.Status, message.OccurredAt, ct);
}

/// <summary>A dispute was decided: the invoice shows won or lost; it stays flagged and its status stays.</summary>
public sealed class PaymentDisputeClosedConsumer(InvoicingDbContext db, IServiceProvider services, InvoiceWorkflow workflow)
    : InboxConsumer<PaymentDisputeClosed, InvoicingDbContext>(db, services)
{
    protected override Task HandleAsync(PaymentDisputeClosed message, CancellationToken ct) =>
        workflow.CloseDisputeAsync(message.InvoiceId, message.DisputeId, message.Status, message.OpenedAt, ct);
}
