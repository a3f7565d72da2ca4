using OraServ.Contracts;

namespace OraServ.Payments;

/// <summary>Status names of a connected account, as the API and StripeAccountStatusChanged report them.</summary>
public static class AccountStatus
{
    public const string NotConnected = "not_connected";
    public const string Onboarding = "onboarding";
    public const string Active = "active";
    public const string Restricted = "restricted";

    /// <summary>Active means Stripe lets the account charge and wants nothing from it right now.</summary>
    public static string From(bool chargesEnabled, bool detailsSubmitted, string? disabledReason) =>
        chargesEnabled && detailsSubmitted && string.IsNullOrEmpty(disabledReason) ? Active
        : !detailsSubmitted ? Onboarding
        : Restricted;
}

/// <summary>The tenant's connected Stripe account (one per tenant).</summary>
public sealed class ConnectedAccount
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string StripeAccountId { get; init; }
    public string Status { get; set; } = AccountStatus.Onboarding;
    public bool ChargesEnabled { get; set; }
    public bool PayoutsEnabled { get; set; }
    public bool DetailsSubmitted { get; set; }
    public string? DisabledReason { get; set; }
    /// <summary>Random value in the refresh/return URLs: Stripe redirects the browser there without our token.</summary>
    public string? OnboardingState { get; set; }
    public string? PaymentMethodDomainId { get; set; }
    /// <summary>When the status was last read; older account.updated events do not overwrite newer state.</summary>
    public DateTimeOffset StatusAsOf { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}

public static class InvoiceStatus
{
    public const string Open = "open";
    public const string Paid = "paid";
    public const string Void = "void";
    public const string Overdue = "overdue";
}

/// <summary>What the public pay page shows, projected from Invoicing's events (any order of arrival).</summary>
public sealed class PayableInvoice
{
    /// <summary>The invoice id in Invoicing.</summary>
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    /// <summary>Null while only a later event (paid, void, balance) has arrived before InvoiceIssued.</summary>
    public string? PayToken { get; set; }
    public string BusinessName { get; set; } = "";
    public string Number { get; set; } = "";
    public List<PayableLine> Lines { get; set; } = [];
    public decimal Subtotal { get; set; }
    public decimal Tax { get; set; }
    public decimal Total { get; set; }
    public decimal AmountPaid { get; set; }
    public decimal AmountDue { get; set; }
    public string Currency { get; set; } = "";
    public DateOnly DueDate { get; set; }
    public string Status { get; set; } = InvoiceStatus.Open;
    /// <summary>When it was paid in full; null while open or void.</summary>
    public DateTimeOffset? PaidAt { get; set; }
    public bool Disputed { get; set; }
    /// <summary>Time of the event the balance came from; an older one does not overwrite it.</summary>
    public DateTimeOffset BalanceAsOf { get; set; }

    /// <summary>A pay token as Invoicing makes them (URL-safe Base64), and short enough to be one; others are not looked up.</summary>
    public static bool CouldBePayToken(string token) =>
        token.Length is > 0 and <= 128 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>Takes in InvoiceIssued: what the page shows, and the balance at issue unless a newer one came first.</summary>
    public void Apply(InvoiceIssued message)
    {
        PayToken = message.PayToken;
        BusinessName = message.BusinessName;
        Number = message.Number;
        Currency = message.Currency;
        DueDate = message.DueDate;
        Lines = message.Lines.Select(l => new PayableLine
        {
            Kind = l.Kind, Description = l.Description, Quantity = l.Quantity, UnitPrice = l.UnitPrice, Amount = l.Amount,
        }).ToList();
        Subtotal = message.Subtotal;
        Tax = message.Tax;
        Total = message.Total;
        if (message.OccurredAt >= BalanceAsOf)
        {
            AmountDue = message.AmountDue;
            AmountPaid = message.Total - message.AmountDue;
            BalanceAsOf = message.OccurredAt;
        }
    }

    /// <summary>
    /// Takes in the invoice as Invoicing gave it when asked by its pay token: InvoiceIssued, then the status and balance
    /// of the time of asking, dated a millisecond after the issue. Every event after the issue is newer and replaces that
    /// balance (events converge on the last); InvoiceIssued, when it arrives, is older and leaves it.
    /// </summary>
    public void Apply(IssuedInvoiceState state)
    {
        Apply(state.Issued);
        if (state.Status == InvoiceStatus.Void)
        {
            MarkVoid();
            return;
        }
        var asOf = state.Issued.OccurredAt.AddMilliseconds(1);
        if (asOf < BalanceAsOf || Status == InvoiceStatus.Void)
        {
            return;
        }
        var paid = state.Status == InvoiceStatus.Paid;
        Status = paid ? InvoiceStatus.Paid : InvoiceStatus.Open;
        AmountPaid = state.AmountPaid;
        AmountDue = paid ? 0m : state.AmountDue;
        PaidAt = paid ? state.PaidAt : null;
        BalanceAsOf = asOf;
    }

    /// <summary>Voided: nothing is due and nothing can be paid, whatever arrives later.</summary>
    public void MarkVoid()
    {
        Status = InvoiceStatus.Void;
        AmountDue = 0;
        PaidAt = null;
    }
}

public sealed class PayableLine
{
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public decimal Quantity { get; init; }
    public decimal UnitPrice { get; init; }
    public decimal Amount { get; init; }
}

/// <summary>A PaymentIntent created for an invoice on the tenant's connected account.</summary>
public sealed class PaymentIntentRecord
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid InvoiceId { get; init; }
    public required string StripePaymentIntentId { get; init; }
    public required string StripeAccountId { get; init; }
    public long AmountMinor { get; init; }
    public decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required string ClientSecret { get; init; }
    public required string Status { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>When reconciliation next asks Stripe about it.</summary>
    public DateTimeOffset NextCheckAt { get; set; }
    public int Checks { get; set; }

    public bool Reusable => Status is "requires_payment_method" or "requires_confirmation" or "requires_action";
    public bool Resolved => Status is "succeeded" or "canceled";
}

/// <summary>A verified Stripe event, stored once before the 2xx; the processor works from here.</summary>
public sealed class StripeEventLog
{
    /// <summary>Stripe's event id, evt_...</summary>
    public required string Id { get; init; }
    public required string Type { get; init; }
    /// <summary>What the event is about (see <see cref="StripeEventOrdering"/>): one key's events are worked in arrival order.</summary>
    public required string OrderingKey { get; init; }
    /// <summary>The connected account of a Connect event; null for platform events.</summary>
    public string? Account { get; init; }
    public bool Livemode { get; init; }
    /// <summary>The body exactly as received.</summary>
    public required string Payload { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    /// <summary>Known once processed (from the connected account); null until then.</summary>
    public Guid? TenantId { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
    public string? Outcome { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
}

/// <summary>Money taken for an invoice: one per PaymentIntent.</summary>
public sealed class Payment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid InvoiceId { get; init; }
    public required string StripePaymentIntentId { get; init; }
    public string? StripeChargeId { get; set; }
    public decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required string Method { get; init; }
    /// <summary>The card's network (visa, mastercard, ...) and last four digits, read from the charge for the receipt.</summary>
    public string? CardBrand { get; set; }
    public string? CardLast4 { get; set; }
    public DateTimeOffset PaidAt { get; init; }
    public decimal AmountRefunded { get; set; }
    public bool Disputed { get; set; }
}

/// <summary>Money given back; requested by a dispatcher or in Stripe's dashboard, confirmed by charge.refunded.</summary>
public sealed class Refund
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid InvoiceId { get; init; }
    public required string StripeRefundId { get; init; }
    public required string StripePaymentIntentId { get; init; }
    public decimal Amount { get; init; }
    public required string Currency { get; init; }
    public required string Status { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    /// <summary>Set when PaymentRefunded was published; it is published once.</summary>
    public DateTimeOffset? SettledAt { get; set; }
}

public static class DisputeStatus
{
    /// <summary>Stripe's final dispute statuses; any other one is still open.</summary>
    public static bool IsClosed(string status) => status is "won" or "lost" or "warning_closed";
}

/// <summary>A chargeback on a payment; the invoice is flagged.</summary>
public sealed class Dispute
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid InvoiceId { get; init; }
    public required string StripeDisputeId { get; init; }
    public required string StripeChargeId { get; init; }
    public string? StripePaymentIntentId { get; init; }
    public decimal Amount { get; init; }
    public required string Currency { get; init; }
    public string? Reason { get; init; }
    public required string Status { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
}
