using System.Diagnostics.Metrics;

namespace OraServ.Invoicing;

/// <summary>
/// Invoicing's business metrics (meter "OraServ.Invoicing", exported with the service's OpenTelemetry metrics): invoices
/// issued and paid, and the product's promise, the time from the job completed in the field to the invoice paid.
/// </summary>
public static class InvoicingMetrics
{
    public const string MeterName = "OraServ.Invoicing";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Issued = Meter.CreateCounter<long>("oraserv.invoices.issued", "{invoice}", "Invoices issued (sent), by currency.");
    private static readonly Counter<long> Paid = Meter.CreateCounter<long>("oraserv.invoices.paid", "{invoice}", "Invoices paid in full, by currency.");
    private static readonly Histogram<double> TimeToPaid = Meter.CreateHistogram<double>("oraserv.invoices.time_to_paid", "s",
        "From the job completed to its invoice paid in full.", advice: new InstrumentAdvice<double>
        {
            // A minute, five (the promise), an hour, a day, a week, thirty days (the industry's usual).
            HistogramBucketBoundaries = [60, 300, 900, 3_600, 14_400, 86_400, 259_200, 604_800, 1_296_000, 2_592_000, 5_184_000],
        });

    public static void InvoiceIssued(Invoice invoice) => Issued.Add(1, new KeyValuePair<string, object?>("currency", invoice.Currency));

    public static void InvoicePaid(Invoice invoice)
    {
        Paid.Add(1, new KeyValuePair<string, object?>("currency", invoice.Currency));
        if (invoice is { JobCompletedAt: { } completed, PaidAt: { } paid } && paid >= completed)
        {
            TimeToPaid.Record((paid - completed).TotalSeconds);
        }
    }
}
