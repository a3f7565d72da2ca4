namespace OraServ.Contracts;

/// <summary>
/// An issued invoice as Invoicing holds it at the time of asking, found by its pay token. Payments asks for it when a
/// customer opens a pay link before InvoiceIssued has reached it: the email that carries the link travels on the same
/// event through another service, and may arrive first.
/// </summary>
public sealed record IssuedInvoiceState
{
    /// <summary>Invoicing's route for it, not behind the gateway: a service token is needed.</summary>
    public const string RouteTemplate = "/internal/pay/{payToken}";

    /// <summary>The route for the pay token given.</summary>
    public static string Route(string payToken) => RouteTemplate.Replace("{payToken}", Uri.EscapeDataString(payToken), StringComparison.Ordinal);

    /// <summary>InvoiceIssued as it was published: the balance in it is the one at issue.</summary>
    public required InvoiceIssued Issued { get; init; }
    /// <summary>open, paid or void (an open invoice past its due date is still open here).</summary>
    public required string Status { get; init; }
    /// <summary>Paid so far, refunds taken off.</summary>
    public required decimal AmountPaid { get; init; }
    /// <summary>What is left to pay now.</summary>
    public required decimal AmountDue { get; init; }
    /// <summary>When it was paid in full; null unless paid.</summary>
    public DateTimeOffset? PaidAt { get; init; }
}
