using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

/// <summary>The public pay flow: what the pay page shows and the PaymentIntent it confirms.</summary>
public sealed class PayIntents(
    PaymentsDbContext db,
    IStripeClient stripe,
    TenantContext tenant,
    IOptions<StripeSettings> stripeSettings,
    IOptions<PaymentsSettings> settings,
    TimeProvider time,
    IssuedInvoices issued,
    ILogger<PayIntents> logger)
{
    /// <summary>
    /// The invoice behind a pay token; the token is the only authority, so the tenant scope comes from it. A token not
    /// seen yet is asked of Invoicing (the link may be opened before InvoiceIssued got here) and what it answers is kept.
    /// </summary>
    public async Task<PayableInvoice?> FindAsync(string token, CancellationToken ct)
    {
        var invoice = await db.PayableInvoices.IgnoreQueryFilters().SingleOrDefaultAsync(i => i.PayToken == token, ct)
            ?? await FromInvoicingAsync(token, ct);
        if (invoice is not null)
        {
            tenant.Use(invoice.TenantId);
        }
        return invoice;
    }

    private async Task<PayableInvoice?> FromInvoicingAsync(string token, CancellationToken ct)
    {
        if (!PayableInvoice.CouldBePayToken(token) || await issued.FindAsync(token, ct) is not { } state)
        {
            return null;
        }
        for (var attempt = 1; ; attempt++)
        {
            var invoice = await db.PayableInvoices.FindOrStartAsync(state.Issued.InvoiceId, state.Issued.TenantId, ct);
            invoice.Apply(state);
            try
            {
                await db.SaveChangesAsync(ct);
                logger.LogInformation("The pay link of invoice {InvoiceId} was opened before InvoiceIssued arrived; taken from Invoicing", invoice.Id);
                return invoice;
            }
            catch (DbUpdateException ex) when (attempt == 1
                && ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // An event, or the same link opened twice at once, stored the invoice first: applied again on top of that.
                db.ChangeTracker.Clear();
            }
        }
    }

    public string DisplayStatus(PayableInvoice invoice) =>
        invoice.Status == InvoiceStatus.Open && invoice.DueDate < DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime)
            ? InvoiceStatus.Overdue
            : invoice.Status;

    /// <summary>
    /// The intent for what is due now: the same one while the amount is unchanged, a new one (the old canceled) when a
    /// partial payment or refund changed it. A direct charge on the tenant's connected account.
    /// </summary>
    public async Task<PaymentIntentRecord> IntentForAsync(PayableInvoice invoice, CancellationToken ct)
    {
        if (invoice.Status == InvoiceStatus.Paid || invoice.AmountDue <= 0)
        {
            throw new ConflictException("This invoice is already paid.");
        }
        if (invoice.Status == InvoiceStatus.Void)
        {
            throw new ConflictException("This invoice was voided and cannot be paid.");
        }
        var account = await db.ConnectedAccounts.SingleOrDefaultAsync(ct);
        if (account is not { Status: AccountStatus.Active })
        {
            throw new ConflictException($"{invoice.BusinessName} does not accept card payments online yet.");
        }

        var amountMinor = Money.ToMinorUnits(invoice.AmountDue, invoice.Currency);
        var intents = await db.PaymentIntents.Where(p => p.InvoiceId == invoice.Id).OrderByDescending(p => p.CreatedAt).ToListAsync(ct);
        if (intents.FirstOrDefault(p => p.Status is "processing" or "succeeded") is not null)
        {
            throw new ConflictException("A payment for this invoice is already being processed.");
        }
        if (intents.FirstOrDefault(p => p.Reusable && p.AmountMinor == amountMinor && p.StripeAccountId == account.StripeAccountId) is { } same)
        {
            return same;
        }
        var options = new RequestOptions { StripeAccount = account.StripeAccountId };
        foreach (var stale in intents.Where(p => p.Reusable))
        {
            await CancelAsync(stale, options, ct);
        }

        await EnsurePaymentMethodDomainAsync(account, ct);
        var fee = stripeSettings.Value.ApplicationFeePercent is { } percent and > 0
            ? (long?)Math.Round(amountMinor * percent / 100m, MidpointRounding.AwayFromZero)
            : null;
        var created = await new PaymentIntentService(stripe).CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = amountMinor,
            Currency = invoice.Currency.ToLowerInvariant(),
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true },
            ApplicationFeeAmount = fee,
            Description = $"{invoice.BusinessName} invoice {invoice.Number}",
            Metadata = new Dictionary<string, string>
            {
                ["tenant_id"] = invoice.TenantId.ToString(),
                ["invoice_id"] = invoice.Id.ToString(),
                ["invoice_number"] = invoice.Number,
            },
        }, new RequestOptions
        {
            StripeAccount = account.StripeAccountId,
            // Two clicks at once get one intent; a later amount (or a later round) gets its own.
            IdempotencyKey = $"pay-{invoice.Id}-{amountMinor}-{intents.Count}",
        }, ct);

        var now = time.GetUtcNow();
        var record = new PaymentIntentRecord
        {
            TenantId = invoice.TenantId,
            InvoiceId = invoice.Id,
            StripePaymentIntentId = created.Id,
            StripeAccountId = account.StripeAccountId,
            AmountMinor = amountMinor,
            Amount = invoice.AmountDue,
            Currency = invoice.Currency,
            ClientSecret = created.ClientSecret,
            Status = created.Status,
            CreatedAt = now,
            UpdatedAt = now,
            NextCheckAt = now + settings.Value.ReconcileAfter,
        };
        db.PaymentIntents.Add(record);
        try
        {
            await db.SaveChangesAsync(ct);
            return record;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await db.PaymentIntents.SingleAsync(p => p.StripePaymentIntentId == created.Id, ct);
        }
    }

    private async Task CancelAsync(PaymentIntentRecord stale, RequestOptions options, CancellationToken ct)
    {
        try
        {
            var canceled = await new PaymentIntentService(stripe).CancelAsync(stale.StripePaymentIntentId, new PaymentIntentCancelOptions { CancellationReason = "abandoned" }, options, ct);
            stale.Status = canceled.Status;
        }
        catch (StripeException ex) when (ex.StripeError?.Code == "payment_intent_unexpected_state")
        {
            // Paid or canceled meanwhile: reconciliation and the webhook settle it from its real status.
            stale.Status = "processing";
            await db.SaveChangesAsync(ct);
            throw new ConflictException("A payment for this invoice is already being processed.");
        }
        stale.UpdatedAt = time.GetUtcNow();
    }

    /// <summary>Registers the pay page's domain on the connected account so Apple Pay and Google Pay show; best effort.</summary>
    private async Task EnsurePaymentMethodDomainAsync(ConnectedAccount account, CancellationToken ct)
    {
        if (account.PaymentMethodDomainId is not null || settings.Value.PublicBaseUrl is not { } publicUrl)
        {
            return;
        }
        try
        {
            var domain = await new PaymentMethodDomainService(stripe).CreateAsync(
                new PaymentMethodDomainCreateOptions { DomainName = new Uri(publicUrl).Host, Enabled = true },
                new RequestOptions { StripeAccount = account.StripeAccountId, IdempotencyKey = $"pmd-{account.StripeAccountId}-{new Uri(publicUrl).Host}" }, ct);
            account.PaymentMethodDomainId = domain.Id;
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Registering the pay domain for {AccountId} failed: {Error}", account.StripeAccountId, ex.StripeError?.Message ?? ex.Message);
        }
    }
}
