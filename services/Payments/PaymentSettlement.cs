using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Messaging;
using Stripe;

namespace OraServ.Payments;

/// <summary>
/// Turns Stripe's view of a payment into OraServ's: one Payment per PaymentIntent, one PaymentRefunded per refund.
/// Webhook processing and reconciliation both come here, so whichever learns first settles and the other finds it done.
/// </summary>
public sealed class PaymentSettlement(PaymentsDbContext db, IStripeClient stripe, TimeProvider time, ILogger<PaymentSettlement> logger)
{
    private HashSet<string>? _preloaded;

    /// <summary>
    /// Reads the intent records and payments of these intents in two queries, for a batch of events worked in one
    /// transaction: the settlement of each then looks them up in memory instead of asking the database twice per event.
    /// </summary>
    public async Task PreloadAsync(IReadOnlyCollection<string> intentIds, CancellationToken ct)
    {
        // Every tenant's: a batch holds the events of several. Lookups below still only see the current tenant's rows.
        await db.PaymentIntents.IgnoreQueryFilters().Where(p => intentIds.Contains(p.StripePaymentIntentId)).LoadAsync(ct);
        await db.Payments.IgnoreQueryFilters().Where(p => intentIds.Contains(p.StripePaymentIntentId)).LoadAsync(ct);
        _preloaded = new HashSet<string>(intentIds, StringComparer.Ordinal);
    }

    private bool Preloaded(string intentId) => _preloaded?.Contains(intentId) == true;

    private async Task<PaymentIntentRecord?> IntentRecordAsync(string intentId, CancellationToken ct) => Preloaded(intentId)
        ? db.PaymentIntents.Local.SingleOrDefault(p => p.StripePaymentIntentId == intentId && p.TenantId == db.CurrentTenantId())
        : await db.PaymentIntents.SingleOrDefaultAsync(p => p.StripePaymentIntentId == intentId, ct);

    /// <summary>Whether the intent's payment is recorded, or added in this unit of work.</summary>
    private async Task<bool> SettledAsync(string intentId, CancellationToken ct) =>
        db.Payments.Local.Any(p => p.StripePaymentIntentId == intentId && (p.TenantId == db.CurrentTenantId() || !Preloaded(intentId)))
        || (!Preloaded(intentId) && await db.Payments.AnyAsync(p => p.StripePaymentIntentId == intentId, ct));

    public async Task<string> SucceededAsync(string intentId, string? chargeId, long amountMinor, string currency,
        IDictionary<string, string>? metadata, DateTimeOffset paidAt, CancellationToken ct)
    {
        var record = await IntentRecordAsync(intentId, ct);
        if (record is not null)
        {
            record.Status = "succeeded";
            record.UpdatedAt = time.GetUtcNow();
        }
        if (await SettledAsync(intentId, ct))
        {
            return "already settled";
        }
        if ((record?.InvoiceId ?? InvoiceIdFrom(metadata)) is not { } invoiceId)
        {
            // A payment the business took outside OraServ (its own Stripe dashboard): common, recorded as the event's outcome.
            logger.LogDebug("Payment intent {IntentId} has no invoice; not applied", intentId);
            return "ignored: no invoice";
        }

        var code = currency.ToUpperInvariant();
        var payment = new Payment
        {
            TenantId = db.CurrentTenantId(),
            InvoiceId = invoiceId,
            StripePaymentIntentId = intentId,
            StripeChargeId = chargeId,
            Amount = Money.FromMinorUnits(amountMinor, code),
            Currency = code,
            Method = "card",
            PaidAt = paidAt,
        };
        db.Payments.Add(payment);
        db.Publish(new PaymentSucceeded
        {
            TenantId = payment.TenantId,
            PaymentId = intentId,
            InvoiceId = invoiceId,
            Amount = payment.Amount,
            Currency = code,
            Method = payment.Method,
            PaidAt = paidAt,
        });
        return "payment recorded";
    }

    public async Task<string> FailedAsync(PaymentIntent intent, CancellationToken ct)
    {
        // A failure that arrives after the success (redelivery, out of order) changes nothing.
        if (await SettledAsync(intent.Id, ct))
        {
            return "ignored: already paid";
        }
        var record = await IntentRecordAsync(intent.Id, ct);
        if ((record?.InvoiceId ?? InvoiceIdFrom(intent.Metadata)) is not { } invoiceId)
        {
            return "ignored: no invoice";
        }
        if (record is not null && !record.Resolved)
        {
            record.Status = intent.Status;
            record.UpdatedAt = time.GetUtcNow();
        }
        var code = intent.Currency.ToUpperInvariant();
        db.Publish(new PaymentFailed
        {
            TenantId = db.CurrentTenantId(),
            PaymentId = intent.Id,
            InvoiceId = invoiceId,
            Amount = Money.FromMinorUnits(intent.Amount, code),
            Currency = code,
            Reason = intent.LastPaymentError?.Message,
        });
        return "failure published";
    }

    /// <summary>
    /// charge.refunded carries the charge, not the refund: the refunds are read from Stripe, and each one not yet
    /// published is published once. If the success event has not arrived yet, the charge settles the payment first.
    /// </summary>
    public async Task<string> RefundedAsync(string accountId, Charge charge, DateTimeOffset occurredAt, CancellationToken ct)
    {
        if (charge.PaymentIntentId is not { } intentId)
        {
            return "ignored: charge without payment intent";
        }
        await SucceededAsync(intentId, charge.Id, charge.AmountCaptured, charge.Currency, charge.Metadata, occurredAt, ct);
        var payment = db.Payments.Local.SingleOrDefault(p => p.StripePaymentIntentId == intentId)
            ?? await db.Payments.SingleOrDefaultAsync(p => p.StripePaymentIntentId == intentId, ct);
        if (payment is null)
        {
            return "ignored: no invoice";
        }

        var code = charge.Currency.ToUpperInvariant();
        var refunded = Money.FromMinorUnits(charge.AmountRefunded, code);
        payment.AmountRefunded = Math.Max(payment.AmountRefunded, refunded);
        var stripeRefunds = await new RefundService(stripe).ListAsync(
            new RefundListOptions { Charge = charge.Id, Limit = 100 }, new RequestOptions { StripeAccount = accountId }, ct);
        var known = await db.Refunds.Where(r => r.StripePaymentIntentId == intentId).ToDictionaryAsync(r => r.StripeRefundId, ct);
        var published = 0;
        foreach (var stripeRefund in stripeRefunds.Data.Where(r => r.Status == "succeeded"))
        {
            if (!known.TryGetValue(stripeRefund.Id, out var refund))
            {
                refund = new Refund
                {
                    TenantId = payment.TenantId,
                    InvoiceId = payment.InvoiceId,
                    StripeRefundId = stripeRefund.Id,
                    StripePaymentIntentId = intentId,
                    Amount = Money.FromMinorUnits(stripeRefund.Amount, code),
                    Currency = code,
                    Status = stripeRefund.Status,
                    CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(stripeRefund.Created, DateTimeKind.Utc)),
                };
                db.Refunds.Add(refund);
            }
            if (refund.SettledAt is not null)
            {
                continue;
            }
            refund.Status = stripeRefund.Status;
            refund.SettledAt = time.GetUtcNow();
            db.Publish(new PaymentRefunded
            {
                TenantId = payment.TenantId,
                RefundId = stripeRefund.Id,
                PaymentId = intentId,
                InvoiceId = payment.InvoiceId,
                Amount = refund.Amount,
                Currency = code,
            });
            published++;
        }
        return $"{published} refund(s) published";
    }

    /// <summary>
    /// charge.dispute.created: the payment is flagged and PaymentDisputed goes out, once. A dispute can reach us before
    /// its payment's success (one payment's events are worked in arrival order, so it cannot wait for a later one):
    /// the payment is then read from Stripe and settled first, as a refund does.
    /// </summary>
    public async Task<string> DisputedAsync(string accountId, Stripe.Dispute dispute, DateTimeOffset occurredAt, CancellationToken ct)
    {
        if (await db.Disputes.AnyAsync(d => d.StripeDisputeId == dispute.Id, ct) ||
            db.Disputes.Local.Any(d => d.StripeDisputeId == dispute.Id))
        {
            return "already recorded";
        }
        var payment = await PaymentOfAsync(dispute, ct);
        if (payment is null && dispute.PaymentIntentId is { } unsettled)
        {
            var intent = await new PaymentIntentService(stripe).GetAsync(unsettled, null, new RequestOptions { StripeAccount = accountId }, ct);
            if (intent.Status == "succeeded")
            {
                await SucceededAsync(intent.Id, intent.LatestChargeId, intent.AmountReceived, intent.Currency, intent.Metadata, occurredAt, ct);
                payment = db.Payments.Local.SingleOrDefault(p => p.StripePaymentIntentId == intent.Id);
            }
        }
        if (payment is null)
        {
            // Not a payment of ours (yet); fail so the event is retried with back-off.
            throw new InvalidOperationException($"Dispute {dispute.Id} is for a payment not recorded yet.");
        }
        payment.Disputed = true;
        var code = dispute.Currency.ToUpperInvariant();
        var recorded = new Dispute
        {
            TenantId = payment.TenantId,
            InvoiceId = payment.InvoiceId,
            StripeDisputeId = dispute.Id,
            StripeChargeId = dispute.ChargeId,
            StripePaymentIntentId = payment.StripePaymentIntentId,
            Amount = Money.FromMinorUnits(dispute.Amount, code),
            Currency = code,
            Reason = dispute.Reason,
            Status = dispute.Status,
            CreatedAt = occurredAt,
        };
        db.Disputes.Add(recorded);
        // The dispute row's unique Stripe id and this outbox row commit together: one PaymentDisputed per dispute.
        db.Publish(new PaymentDisputed
        {
            TenantId = payment.TenantId,
            DisputeId = dispute.Id,
            PaymentId = payment.StripePaymentIntentId,
            ChargeId = dispute.ChargeId,
            InvoiceId = payment.InvoiceId,
            Amount = recorded.Amount,
            Currency = code,
            Reason = dispute.Reason,
            Status = dispute.Status,
            OccurredAt = occurredAt,
        });
        if (await db.PayableInvoices.SingleOrDefaultAsync(i => i.Id == payment.InvoiceId, ct) is { } invoice)
        {
            invoice.Disputed = true;
        }
        logger.LogWarning("Payment {IntentId} of invoice {InvoiceId} is disputed ({Reason})", payment.StripePaymentIntentId, payment.InvoiceId, dispute.Reason);
        return "dispute recorded";
    }

    /// <summary>
    /// charge.dispute.closed: the recorded dispute takes its final status and PaymentDisputeClosed goes out, once. When
    /// the decision arrives before the dispute itself, the dispute is recorded from it first.
    /// </summary>
    public async Task<string> DisputeClosedAsync(string accountId, Stripe.Dispute dispute, CancellationToken ct)
    {
        var recorded = await db.Disputes.SingleOrDefaultAsync(d => d.StripeDisputeId == dispute.Id, ct);
        if (recorded is null)
        {
            var openedAt = new DateTimeOffset(DateTime.SpecifyKind(dispute.Created, DateTimeKind.Utc));
            await DisputedAsync(accountId, dispute, openedAt, ct);
            recorded = db.Disputes.Local.Single(d => d.StripeDisputeId == dispute.Id);
        }
        else if (DisputeStatus.IsClosed(recorded.Status))
        {
            return "already closed";
        }
        recorded.Status = dispute.Status;
        db.Publish(new PaymentDisputeClosed
        {
            TenantId = recorded.TenantId,
            DisputeId = recorded.StripeDisputeId,
            PaymentId = recorded.StripePaymentIntentId ?? recorded.StripeChargeId,
            InvoiceId = recorded.InvoiceId,
            Amount = recorded.Amount,
            Currency = recorded.Currency,
            Status = dispute.Status,
            OpenedAt = recorded.CreatedAt,
        });
        logger.LogInformation("Dispute {DisputeId} of invoice {InvoiceId} closed: {Status}", dispute.Id, recorded.InvoiceId, dispute.Status);
        return "dispute " + dispute.Status;
    }

    private async Task<Payment?> PaymentOfAsync(Stripe.Dispute dispute, CancellationToken ct) =>
        dispute.PaymentIntentId is { } intentId
            ? db.Payments.Local.SingleOrDefault(p => p.StripePaymentIntentId == intentId) ?? await db.Payments.SingleOrDefaultAsync(p => p.StripePaymentIntentId == intentId, ct)
            : await db.Payments.SingleOrDefaultAsync(p => p.StripeChargeId == dispute.ChargeId, ct);

    private static Guid? InvoiceIdFrom(IDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue("invoice_id", out var text) && Guid.TryParse(text, out var id) ? id : null;
}
