using Microsoft.EntityFrameworkCore;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

/// <summary>What the pay page gives the customer besides the payment: the invoice's PDF and the receipt's card.</summary>
public sealed class PayDocuments(PaymentsDbContext db, InvoicePdfClient pdfs, IStripeClient stripe, ILogger<PayDocuments> logger)
{
    /// <summary>The PDF as Invoicing renders it (stamped PAID or VOID when it is); throws when Invoicing cannot give it.</summary>
    public async Task<byte[]> PdfAsync(PayableInvoice invoice, CancellationToken ct)
    {
        try
        {
            return await pdfs.GetAsync(invoice.TenantId, invoice.Id, ct);
        }
        catch (InvoicePdfUnavailableException ex)
        {
            logger.LogWarning("The PDF of invoice {InvoiceId} for the pay page: {Reason}", invoice.Id, ex.Message);
            throw;
        }
    }

    /// <summary>How the latest payment not refunded in full was made; null when Payments took none (paid by cash or check).</summary>
    public async Task<PayMethodView?> PaymentMethodAsync(PayableInvoice invoice, CancellationToken ct)
    {
        var payment = await db.Payments.Where(p => p.InvoiceId == invoice.Id && p.Amount > p.AmountRefunded)
            .OrderByDescending(p => p.PaidAt).FirstOrDefaultAsync(ct);
        if (payment is null)
        {
            return null;
        }
        if (payment is { Method: "card", CardLast4: null, StripeChargeId: { } chargeId })
        {
            await ReadCardAsync(payment, chargeId, ct);
        }
        return new PayMethodView(payment.Method, payment.CardBrand, payment.CardLast4);
    }

    // Settlement keeps the charge id only; the card is read from the charge once, the first time a receipt shows it.
    private async Task ReadCardAsync(Payment payment, string chargeId, CancellationToken ct)
    {
        var accountId = await db.PaymentIntents.Where(p => p.StripePaymentIntentId == payment.StripePaymentIntentId)
                .Select(p => p.StripeAccountId).SingleOrDefaultAsync(ct)
            ?? await db.ConnectedAccounts.Select(a => a.StripeAccountId).SingleOrDefaultAsync(ct);
        if (accountId is null)
        {
            return;
        }
        try
        {
            var charge = await new ChargeService(stripe).GetAsync(chargeId, null, new RequestOptions { StripeAccount = accountId }, ct);
            if (charge.PaymentMethodDetails?.Card is { } card)
            {
                payment.CardBrand = card.Brand;
                payment.CardLast4 = card.Last4;
                await db.SaveChangesAsync(ct);
            }
        }
        catch (Exception ex) when (ex is StripeException or HttpRequestException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // The receipt shows without the card; the next view tries again.
            logger.LogWarning("Reading the card of charge {ChargeId} failed: {Error}", chargeId, ex.Message);
        }
    }
}
