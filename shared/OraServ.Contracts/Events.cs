namespace OraServ.Contracts;

/// <summary>A technician completed a job; a full snapshot so Invoicing needs nothing else.</summary>
public sealed record JobCompleted : IntegrationEvent
{
    /// <summary>The job.</summary>
    public required Guid JobId { get; init; }
    /// <summary>Job title.</summary>
    public required string Title { get; init; }
    /// <summary>Who the job was for.</summary>
    public required ClientContact Client { get; init; }
    /// <summary>Every billable line.</summary>
    public required IReadOnlyList<JobLine> Lines { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>Technician notes.</summary>
    public string? Notes { get; init; }
    /// <summary>When it was completed.</summary>
    public required DateTimeOffset CompletedAt { get; init; }
}

/// <summary>An invoice was issued (numbered, due date set, pay link made).</summary>
public sealed record InvoiceIssued : IntegrationEvent
{
    /// <summary>The invoice.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>The job it bills, if any.</summary>
    public Guid? JobId { get; init; }
    /// <summary>Per-tenant invoice number, e.g. INV-000123.</summary>
    public required string Number { get; init; }
    /// <summary>The business name.</summary>
    public required string BusinessName { get; init; }
    /// <summary>Who pays.</summary>
    public required ClientContact Client { get; init; }
    /// <summary>The invoice lines as issued.</summary>
    public required IReadOnlyList<InvoiceLineSnapshot> Lines { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>Sum of the lines before tax.</summary>
    public required decimal Subtotal { get; init; }
    /// <summary>Tax.</summary>
    public required decimal Tax { get; init; }
    /// <summary>Total of the invoice.</summary>
    public required decimal Total { get; init; }
    /// <summary>What is left to pay.</summary>
    public required decimal AmountDue { get; init; }
    /// <summary>When it was issued.</summary>
    public required DateTimeOffset IssuedAt { get; init; }
    /// <summary>Due date in the tenant's calendar.</summary>
    public required DateOnly DueDate { get; init; }
    /// <summary>The unguessable pay token.</summary>
    public required string PayToken { get; init; }
    /// <summary>The absolute pay page URL.</summary>
    public required string PayUrl { get; init; }
    /// <summary>IANA time zone of the business (America/Chicago): the calendar of <see cref="DueDate"/>. Null in events from before it was added.</summary>
    public string? TimeZone { get; init; }
}

/// <summary>One line of an issued invoice.</summary>
public sealed record InvoiceLineSnapshot
{
    /// <summary>labor, material, service or fee.</summary>
    public required string Kind { get; init; }
    /// <summary>What is billed.</summary>
    public required string Description { get; init; }
    /// <summary>Hours or quantity.</summary>
    public required decimal Quantity { get; init; }
    /// <summary>Rate or unit price.</summary>
    public required decimal UnitPrice { get; init; }
    /// <summary>Quantity x unit price, rounded to the currency's minor unit.</summary>
    public required decimal Amount { get; init; }
}

/// <summary>
/// A payment was applied to or taken back from an invoice and left it open (partial payments, refunds), or a payment
/// came on an invoice already paid. A payment that pays the invoice in full is announced by <see cref="InvoicePaid"/> alone.
/// </summary>
public sealed record InvoiceBalanceChanged : IntegrationEvent
{
    /// <summary>The invoice.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Paid so far.</summary>
    public required decimal AmountPaid { get; init; }
    /// <summary>Left to pay.</summary>
    public required decimal AmountDue { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>open, paid (a refund can reopen a paid invoice).</summary>
    public required string Status { get; init; }
}

/// <summary>An invoice was paid in full.</summary>
public sealed record InvoicePaid : IntegrationEvent
{
    /// <summary>The invoice.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Its number.</summary>
    public required string Number { get; init; }
    /// <summary>Total paid.</summary>
    public required decimal AmountPaid { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>When the last payment cleared.</summary>
    public required DateTimeOffset PaidAt { get; init; }
    /// <summary>Who paid.</summary>
    public ClientContact? Client { get; init; }
}

/// <summary>An invoice was voided; nothing more is collected on it.</summary>
public sealed record InvoiceVoided : IntegrationEvent
{
    /// <summary>The invoice.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Its number, if it had one.</summary>
    public string? Number { get; init; }
}

/// <summary>Money was taken for an invoice.</summary>
public sealed record PaymentSucceeded : IntegrationEvent
{
    /// <summary>Payment id (idempotency key for applying it).</summary>
    public required string PaymentId { get; init; }
    /// <summary>The invoice paid.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Amount in the invoice currency.</summary>
    public required decimal Amount { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>card, cash, check, ...</summary>
    public required string Method { get; init; }
    /// <summary>When it cleared.</summary>
    public required DateTimeOffset PaidAt { get; init; }
}

/// <summary>A payment attempt failed.</summary>
public sealed record PaymentFailed : IntegrationEvent
{
    /// <summary>The PaymentIntent or attempt id.</summary>
    public required string PaymentId { get; init; }
    /// <summary>The invoice.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Amount attempted.</summary>
    public required decimal Amount { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>Why it failed, as the processor said.</summary>
    public string? Reason { get; init; }
}

/// <summary>Money was given back on a payment.</summary>
public sealed record PaymentRefunded : IntegrationEvent
{
    /// <summary>Refund id (idempotency key).</summary>
    public required string RefundId { get; init; }
    /// <summary>The payment refunded.</summary>
    public required string PaymentId { get; init; }
    /// <summary>The invoice.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Amount refunded.</summary>
    public required decimal Amount { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
}

/// <summary>
/// The cardholder disputed a card payment (a chargeback): Stripe takes the amount from the business's balance until
/// the dispute is decided (PaymentDisputeClosed). Published once per dispute; the invoice keeps its status, flagged disputed.
/// </summary>
public sealed record PaymentDisputed : IntegrationEvent
{
    /// <summary>Stripe's dispute id (du_...), the idempotency key.</summary>
    public required string DisputeId { get; init; }
    /// <summary>The payment disputed: the id PaymentSucceeded carried (the PaymentIntent).</summary>
    public required string PaymentId { get; init; }
    /// <summary>The disputed charge (ch_...).</summary>
    public required string ChargeId { get; init; }
    /// <summary>The invoice the payment was for.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Amount disputed, in the invoice currency.</summary>
    public required decimal Amount { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>The cardholder's reason as Stripe reports it: fraudulent, product_not_received, duplicate, ...</summary>
    public string? Reason { get; init; }
    /// <summary>Stripe's dispute status when it was opened, e.g. needs_response or warning_needs_response.</summary>
    public required string Status { get; init; }
}

/// <summary>A dispute was decided. Published once per dispute, after its PaymentDisputed.</summary>
public sealed record PaymentDisputeClosed : IntegrationEvent
{
    /// <summary>Stripe's dispute id (du_...), the idempotency key.</summary>
    public required string DisputeId { get; init; }
    /// <summary>The payment disputed (the PaymentIntent).</summary>
    public required string PaymentId { get; init; }
    /// <summary>The invoice the payment was for.</summary>
    public required Guid InvoiceId { get; init; }
    /// <summary>Amount disputed, in the invoice currency.</summary>
    public required decimal Amount { get; init; }
    /// <summary>ISO 4217 currency.</summary>
    public required string Currency { get; init; }
    /// <summary>won (the business keeps the money), lost (it went back to the cardholder) or warning_closed.</summary>
    public required string Status { get; init; }
    /// <summary>When the dispute was opened: the OccurredAt of its PaymentDisputed.</summary>
    public required DateTimeOffset OpenedAt { get; init; }
}

/// <summary>A tenant's connected Stripe account changed state.</summary>
public sealed record StripeAccountStatusChanged : IntegrationEvent
{
    /// <summary>Stripe account id (acct_...).</summary>
    public required string AccountId { get; init; }
    /// <summary>not_connected, onboarding, active or restricted.</summary>
    public required string Status { get; init; }
    /// <summary>Charges enabled.</summary>
    public required bool ChargesEnabled { get; init; }
    /// <summary>Payouts enabled.</summary>
    public required bool PayoutsEnabled { get; init; }
}

/// <summary>An email went out.</summary>
public sealed record EmailSent : IntegrationEvent
{
    /// <summary>Delivery log id.</summary>
    public required Guid MessageId { get; init; }
    /// <summary>Related invoice, if any.</summary>
    public Guid? InvoiceId { get; init; }
    /// <summary>Recipient.</summary>
    public required string To { get; init; }
}

/// <summary>An email could not be sent.</summary>
public sealed record EmailFailed : IntegrationEvent
{
    /// <summary>Delivery log id.</summary>
    public required Guid MessageId { get; init; }
    /// <summary>Related invoice, if any.</summary>
    public Guid? InvoiceId { get; init; }
    /// <summary>Recipient.</summary>
    public string? To { get; init; }
    /// <summary>Why.</summary>
    public required string Reason { get; init; }
}

/// <summary>An SMS went out.</summary>
public sealed record SmsSent : IntegrationEvent
{
    /// <summary>Delivery log id.</summary>
    public required Guid MessageId { get; init; }
    /// <summary>Related invoice, if any.</summary>
    public Guid? InvoiceId { get; init; }
    /// <summary>Recipient in E.164.</summary>
    public required string To { get; init; }
}

/// <summary>An SMS could not be sent.</summary>
public sealed record SmsFailed : IntegrationEvent
{
    /// <summary>Delivery log id.</summary>
    public required Guid MessageId { get; init; }
    /// <summary>Related invoice, if any.</summary>
    public Guid? InvoiceId { get; init; }
    /// <summary>Recipient.</summary>
    public string? To { get; init; }
    /// <summary>Why.</summary>
    public required string Reason { get; init; }
}

/// <summary>Automation asks Notifications to send an SMS.</summary>
public sealed record SendSms : IntegrationEvent
{
    /// <summary>Related invoice.</summary>
    public Guid? InvoiceId { get; init; }
    /// <summary>The automation rule step that fired.</summary>
    public Guid? RuleId { get; init; }
    /// <summary>Recipient in E.164.</summary>
    public required string To { get; init; }
    /// <summary>Rendered text.</summary>
    public required string Body { get; init; }
}

/// <summary>Automation asks Notifications to send an email.</summary>
public sealed record SendEmail : IntegrationEvent
{
    /// <summary>Related invoice.</summary>
    public Guid? InvoiceId { get; init; }
    /// <summary>The automation rule step that fired.</summary>
    public Guid? RuleId { get; init; }
    /// <summary>Recipient.</summary>
    public required string To { get; init; }
    /// <summary>Subject line.</summary>
    public required string Subject { get; init; }
    /// <summary>Rendered text body.</summary>
    public required string Body { get; init; }
}
