using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Notifications.Dashboard;
using OraServ.Notifications.Delivery;

namespace OraServ.Notifications;

/// <summary>
/// An inbox consumer that records its work in the transaction and acts on it after the commit: the delivery-log row
/// exists (queued) before anything is sent, and a redelivery finds it (inbox, then the unique dedupe key) and sends
/// nothing new; it only retries a row that is still queued and due.
/// </summary>
public abstract class NotificationConsumer<TMessage>(NotificationsDbContext db, IServiceProvider services)
    : InboxConsumer<TMessage, NotificationsDbContext>(db, services), IConsumer<TMessage>
    where TMessage : IntegrationEvent
{
    async Task IConsumer<TMessage>.Consume(ConsumeContext<TMessage> context)
    {
        if (!await ApplyAsync(context))
        {
            await AfterCommitAsync(context);
        }
    }

    protected virtual Task AfterCommitAsync(ConsumeContext<TMessage> context) => Task.CompletedTask;

    /// <summary>
    /// A group's work after its commit, from what it saved rather than a read per message: one dashboard message with
    /// every invoice it changed, and the messages it recorded handed to the senders.
    /// </summary>
    protected override async Task AfterGroupCommitAsync(CancellationToken ct)
    {
        var updates = Db.Invoices.Local.Select(Update).ToList();
        if (updates.Count > 0)
        {
            await Services.GetRequiredService<IPublishEndpoint>().Publish(new InvoiceDashboardUpdates(updates), ct);
        }
        var deliveries = Services.GetRequiredService<Deliveries>();
        foreach (var message in Db.Messages.Local.Where(m => m.Status == MessageStatus.Queued))
        {
            deliveries.Hand(message.Id);
        }
    }

    /// <summary>Adds the message unless its dedupe key is already in the log; a failed-at-birth message announces its failure.</summary>
    protected async Task RecordAsync(Message message, CancellationToken ct)
    {
        if (await Db.Messages.AnyAsync(m => m.DedupeKey == message.DedupeKey, ct))
        {
            return;
        }
        Db.Messages.Add(message);
        if (message.Status == MessageStatus.Failed)
        {
            Deliveries.PublishFailed(Db, message);
        }
    }

    /// <summary>Hands the message of this key to the senders if it is queued (they send it if it is still due).</summary>
    protected async Task HandAsync(Deliveries deliveries, string dedupeKey, CancellationToken ct)
    {
        // By the key alone, its unique index: with the status in the query, the planner walks the index of queued rows,
        // every email waiting in a burst.
        var message = Db.Messages.Local.FirstOrDefault(m => m.DedupeKey == dedupeKey) is { } local
            ? new { local.Id, local.Status }
            : await Db.Messages.Where(m => m.DedupeKey == dedupeKey).Select(m => new { m.Id, m.Status }).SingleOrDefaultAsync(ct);
        if (message is { Status: MessageStatus.Queued })
        {
            deliveries.Hand(message.Id);
        }
    }

    /// <summary>Applies a newer state to the invoice's view; an older event (they travel on separate queues) changes nothing.</summary>
    protected async Task<InvoiceView> ViewAsync(Guid tenantId, Guid invoiceId, DateTimeOffset occurredAt, Action<InvoiceView> apply, CancellationToken ct)
    {
        var view = await Db.Invoices.SingleOrDefaultAsync(i => i.InvoiceId == invoiceId, ct);
        if (view is null)
        {
            view = new InvoiceView { InvoiceId = invoiceId, TenantId = tenantId };
            Db.Invoices.Add(view);
        }
        if (occurredAt >= view.UpdatedAt)
        {
            apply(view);
            view.UpdatedAt = occurredAt;
        }
        return view;
    }

    /// <summary>Announces the invoice's current state to every instance's dashboard hub (each has a temporary queue).</summary>
    protected async Task PushAsync(ConsumeContext context, Guid invoiceId)
    {
        if (await Db.Invoices.AsNoTracking().SingleOrDefaultAsync(i => i.InvoiceId == invoiceId, context.CancellationToken) is { } view)
        {
            await context.Publish(new InvoiceDashboardUpdates([Update(view)]), context.CancellationToken);
        }
    }

    private static InvoiceDashboardUpdate Update(InvoiceView view) =>
        new(view.TenantId, view.InvoiceId, view.Number, view.Status, view.AmountDue, view.AmountPaid, view.Currency);
}

/// <summary>Emails the issued invoice to the client: Pay Now button, PDF attached.</summary>
public sealed class InvoiceIssuedConsumer(NotificationsDbContext db, IServiceProvider services, Deliveries deliveries, TimeProvider time)
    : NotificationConsumer<InvoiceIssued>(db, services)
{
    protected override bool AppliesInGroups => true;

    public static string Key(Guid invoiceId) => $"invoice-issued:{invoiceId}";

    protected override async Task HandleAsync(InvoiceIssued message, CancellationToken ct)
    {
        var view = await ViewAsync(message.TenantId, message.InvoiceId, message.OccurredAt, v =>
        {
            v.Number = message.Number;
            v.Currency = message.Currency;
            v.Status = "open";
            v.AmountDue = message.AmountDue;
            v.AmountPaid = message.Total - message.AmountDue;
        }, ct);
        // Kept for a resend, even when a later event (InvoicePaid) got here first.
        view.Issued = JsonSerializer.Serialize(message, InvoiceViews.Json);
        await RecordAsync(Templates.InvoiceEmail(message, Key(message.InvoiceId), time.GetUtcNow()), ct);
    }

    protected override async Task AfterCommitAsync(ConsumeContext<InvoiceIssued> context)
    {
        await PushAsync(context, context.Message.InvoiceId);
        await HandAsync(deliveries, Key(context.Message.InvoiceId), context.CancellationToken);
    }
}

/// <summary>Emails a receipt when the invoice is paid in full.</summary>
public sealed class InvoicePaidConsumer(NotificationsDbContext db, IServiceProvider services, Deliveries deliveries, TimeProvider time)
    : NotificationConsumer<InvoicePaid>(db, services)
{
    protected override bool AppliesInGroups => true;

    public static string Key(Guid invoiceId) => $"receipt:{invoiceId}";

    protected override async Task HandleAsync(InvoicePaid message, CancellationToken ct)
    {
        var view = await ViewAsync(message.TenantId, message.InvoiceId, message.OccurredAt, v =>
        {
            v.Number = message.Number;
            v.Currency = message.Currency;
            v.Status = "paid";
            v.AmountDue = 0;
            v.AmountPaid = message.AmountPaid;
        }, ct);
        await RecordAsync(Templates.Receipt(message, InvoiceViews.Issued(view), Key(message.InvoiceId), time.GetUtcNow()), ct);
    }

    protected override async Task AfterCommitAsync(ConsumeContext<InvoicePaid> context)
    {
        await PushAsync(context, context.Message.InvoiceId);
        await HandAsync(deliveries, Key(context.Message.InvoiceId), context.CancellationToken);
    }
}

/// <summary>
/// Tells the tenant's open dashboards at once that a customer's payment failed (a declined card), with the invoice's
/// number and the processor's reason, so the dispatcher can call the customer. The invoice itself stays as it was; the
/// customer is chased by Automation's payment.failed rules, not from here.
/// </summary>
public sealed class PaymentFailedConsumer(NotificationsDbContext db, IServiceProvider services)
    : NotificationConsumer<PaymentFailed>(db, services)
{
    // Nothing to record but the inbox row.
    protected override Task HandleAsync(PaymentFailed message, CancellationToken ct) => Task.CompletedTask;

    protected override async Task AfterCommitAsync(ConsumeContext<PaymentFailed> context)
    {
        var message = context.Message;
        var number = await Db.Invoices.AsNoTracking().Where(i => i.InvoiceId == message.InvoiceId).Select(i => i.Number)
            .FirstOrDefaultAsync(context.CancellationToken);
        await context.Publish(new DashboardPaymentFailed(message.TenantId,
            new PaymentFailure(message.EventId, message.InvoiceId, number, message.Amount, message.Currency, message.Reason, message.OccurredAt)), context.CancellationToken);
    }
}

/// <summary>Keeps the dashboard's amounts in step with partial payments and refunds.</summary>
public sealed class InvoiceBalanceChangedConsumer(NotificationsDbContext db, IServiceProvider services)
    : NotificationConsumer<InvoiceBalanceChanged>(db, services)
{
    protected override Task HandleAsync(InvoiceBalanceChanged message, CancellationToken ct) =>
        ViewAsync(message.TenantId, message.InvoiceId, message.OccurredAt, v =>
        {
            v.Currency = message.Currency;
            v.Status = message.Status;
            v.AmountDue = message.AmountDue;
            v.AmountPaid = message.AmountPaid;
        }, ct);

    protected override Task AfterCommitAsync(ConsumeContext<InvoiceBalanceChanged> context) =>
        PushAsync(context, context.Message.InvoiceId);
}

/// <summary>A voided invoice leaves the dashboard's open list.</summary>
public sealed class InvoiceVoidedConsumer(NotificationsDbContext db, IServiceProvider services)
    : NotificationConsumer<InvoiceVoided>(db, services)
{
    protected override Task HandleAsync(InvoiceVoided message, CancellationToken ct) =>
        ViewAsync(message.TenantId, message.InvoiceId, message.OccurredAt, v =>
        {
            v.Number = message.Number ?? v.Number;
            v.Status = "void";
            v.AmountDue = 0;
        }, ct);

    protected override Task AfterCommitAsync(ConsumeContext<InvoiceVoided> context) =>
        PushAsync(context, context.Message.InvoiceId);
}

/// <summary>An email an automation rule asked for (a reminder).</summary>
public sealed class SendEmailConsumer(NotificationsDbContext db, IServiceProvider services, Deliveries deliveries, TimeProvider time)
    : NotificationConsumer<SendEmail>(db, services)
{
    public static string Key(Guid eventId) => $"automation:{eventId}";

    protected override Task HandleAsync(SendEmail message, CancellationToken ct) =>
        RecordAsync(Templates.AutomationEmail(message, Key(message.EventId), time.GetUtcNow()), ct);

    protected override Task AfterCommitAsync(ConsumeContext<SendEmail> context) =>
        HandAsync(deliveries, Key(context.Message.EventId), context.CancellationToken);
}

/// <summary>An SMS an automation rule asked for.</summary>
public sealed class SendSmsConsumer(NotificationsDbContext db, IServiceProvider services, Deliveries deliveries, TimeProvider time)
    : NotificationConsumer<SendSms>(db, services)
{
    public static string Key(Guid eventId) => $"automation:{eventId}";

    protected override Task HandleAsync(SendSms message, CancellationToken ct) =>
        RecordAsync(Templates.Sms(message, Key(message.EventId), time.GetUtcNow()), ct);

    protected override Task AfterCommitAsync(ConsumeContext<SendSms> context) =>
        HandAsync(deliveries, Key(context.Message.EventId), context.CancellationToken);
}

public static class InvoiceViews
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static InvoiceIssued? Issued(InvoiceView view) =>
        view.Issued is null ? null : JsonSerializer.Deserialize<InvoiceIssued>(view.Issued, Json);
}
