using System.Diagnostics.Metrics;

namespace OraServ.Payments;

/// <summary>
/// Payments' webhook metrics (meter "OraServ.Payments"): how many arrive and how late. Payments by outcome are the
/// PaymentSucceeded, PaymentFailed, PaymentRefunded and PaymentDisputed events of oraserv.outbox.published.
/// A growing webhook lag means Stripe is retrying (the endpoint was down or slow) or events are delayed upstream.
/// </summary>
public static class PaymentsMetrics
{
    public const string MeterName = "OraServ.Payments";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> WebhookLag = Meter.CreateHistogram<double>("oraserv.stripe.webhook.lag", "s",
        "From Stripe creating an event to OraServ storing it, by event type.", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3_600, 86_400],
        });
    private static readonly Counter<long> Webhooks = Meter.CreateCounter<long>("oraserv.stripe.webhooks", "{event}",
        "Stripe webhooks received, by outcome (stored, duplicate, rejected).");

    public static void WebhookReceived(string outcome) => Webhooks.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public static void WebhookStored(string type, DateTime created, DateTimeOffset received) =>
        WebhookLag.Record(Math.Max(0, (received - new DateTimeOffset(created, TimeSpan.Zero)).TotalSeconds), new KeyValuePair<string, object?>("type", type));
}
