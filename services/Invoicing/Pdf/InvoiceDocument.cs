namespace OraServ.Invoicing.Pdf;

/// <summary>
/// Everything printed on an invoice PDF, already computed by the invoicing domain: the renderer never
/// recalculates money, it prints what the invoice says.
/// </summary>
public sealed record InvoiceDocument
{
    /// <summary>The business that bills.</summary>
    public required string BusinessName { get; init; }
    /// <summary>Postal address of the business; lines separated by '\n'.</summary>
    public string? BusinessAddress { get; init; }
    /// <summary>Contact email of the business.</summary>
    public string? BusinessEmail { get; init; }
    /// <summary>Contact phone of the business.</summary>
    public string? BusinessPhone { get; init; }

    /// <summary>Who pays.</summary>
    public required string ClientName { get; init; }
    /// <summary>Email of the client.</summary>
    public string? ClientEmail { get; init; }
    /// <summary>Billing address of the client; lines separated by '\n'.</summary>
    public string? ClientAddress { get; init; }
    /// <summary>Where the work was done, when it differs from the billing address; lines separated by '\n'.</summary>
    public string? ServiceAddress { get; init; }

    /// <summary>Per-tenant invoice number, e.g. INV-000123; null for a draft, which prints "DRAFT".</summary>
    public string? Number { get; init; }
    /// <summary>Where the invoice is in its life; paid and void invoices carry a stamp.</summary>
    public required InvoiceDocumentStatus Status { get; init; }
    /// <summary>Issue date in the tenant's calendar; null for a draft.</summary>
    public DateOnly? IssuedAt { get; init; }
    /// <summary>Due date in the tenant's calendar.</summary>
    public DateOnly? DueDate { get; init; }
    /// <summary>Payment terms as agreed, e.g. "Net 30".</summary>
    public string? Terms { get; init; }
    /// <summary>The job this invoice bills, as the business refers to it, e.g. "JOB-0042 Water heater swap".</summary>
    public string? JobReference { get; init; }

    /// <summary>The billed lines, in print order.</summary>
    public required IReadOnlyList<InvoiceDocumentLine> Lines { get; init; }

    /// <summary>Sum of the line amounts before tax.</summary>
    public required decimal Subtotal { get; init; }
    /// <summary>Tax rate as a fraction: 0.0825 is 8.25 %.</summary>
    public decimal TaxRate { get; init; }
    /// <summary>Tax amount.</summary>
    public required decimal Tax { get; init; }
    /// <summary>Subtotal plus tax.</summary>
    public required decimal Total { get; init; }
    /// <summary>Sum of the payments applied so far.</summary>
    public decimal AmountPaid { get; init; }
    /// <summary>What is left to pay.</summary>
    public required decimal AmountDue { get; init; }
    /// <summary>ISO 4217 currency code of every amount, e.g. "USD".</summary>
    public required string Currency { get; init; }

    /// <summary>Absolute URL of this invoice's pay page; printed as a link and a QR code while money is due.</summary>
    public string? PayUrl { get; init; }
    /// <summary>Free text printed under the totals.</summary>
    public string? Notes { get; init; }
}

/// <summary>One billed line.</summary>
/// <param name="Kind">Labor prints hours x rate, material quantity x unit price, service and fee a flat amount.</param>
/// <param name="Description">What is billed.</param>
/// <param name="Quantity">Hours for labor, units for material.</param>
/// <param name="UnitPrice">Hourly rate for labor, unit price for material.</param>
/// <param name="Amount">Quantity x unit price, rounded to the currency's minor unit.</param>
public sealed record InvoiceDocumentLine(
    InvoiceDocumentLineKind Kind,
    string Description,
    decimal Quantity,
    decimal UnitPrice,
    decimal Amount);

/// <summary>What a line bills.</summary>
public enum InvoiceDocumentLineKind
{
    /// <summary>Hours of work at an hourly rate.</summary>
    Labor,
    /// <summary>Parts at a unit price.</summary>
    Material,
    /// <summary>A flat-priced service.</summary>
    Service,
    /// <summary>A flat fee, e.g. a trip charge.</summary>
    Fee,
}

/// <summary>The life stage of the invoice being printed.</summary>
public enum InvoiceDocumentStatus
{
    /// <summary>Not yet issued: no number, prints "DRAFT".</summary>
    Draft,
    /// <summary>Issued and awaiting payment.</summary>
    Open,
    /// <summary>Paid in full: carries a PAID stamp.</summary>
    Paid,
    /// <summary>Cancelled: carries a VOID stamp.</summary>
    Void,
}
