using System.Diagnostics;

namespace OraServ.LoadTests.Scenarios;

/// <summary>
/// Issue #5's latency benchmark: open invoices with pay intents are made first; then a signed payment_intent.succeeded
/// for each is sent at a constant rate, and the time from sending to the dashboard hub pushing the invoice as paid is
/// measured (webhook -> Payments -> PaymentSucceeded -> Invoicing -> InvoicePaid -> Notifications -> SignalR).
/// </summary>
public static class WebhookToPaidScenario
{
    public static async Task<ScenarioResult> RunAsync(OraServApi api, Tenant tenant, DashboardWatch dashboard)
    {
        var rate = api.Options.Rate ?? 100;
        var count = api.Options.Arrivals(100, 10);
        var result = new ScenarioResult($"webhook-to-paid: {count} invoices paid by signed webhooks at {rate}/s", api.Options.CheckoutRoot());
        var webhooks = new StripeWebhooks(api.Options.ResolveWebhookSecret());

        var setup = Stopwatch.StartNew();
        var invoices = new OpenInvoice[count];
        await OpenLoop.ForEachAsync(count, 8, async i => invoices[i] = await api.OpenInvoiceWithIntentAsync(tenant, i));
        await result.SettleAsync($"setup: {count} invoices sent, pay page ready and intent created in {setup.Elapsed.TotalSeconds:F0} s (8 at a time)");
        var bodies = invoices.Select(i => StripeWebhooks.PaymentIntentSucceeded(i.StripeAccount, i.PaymentIntentId, (long)(i.Amount * 100), i.Currency, i.InvoiceId)).ToArray();

        result.MeasuringStarts();
        var accepted = result.Step("webhook accepted (2xx)");
        var toPaid = result.Step("webhook sent -> PAID on the dashboard hub");
        await OpenLoop.RunAsync(rate, count, async (i, due) =>
        {
            var paid = dashboard.PaidAsync(invoices[i].InvoiceId);
            if (await OraServApi.TimedAsync(api.Anonymous, accepted, due, webhooks.Request(bodies[i])) is null)
            {
                toPaid.Failure("webhook refused");
                return;
            }
            if (await Task.WhenAny(paid, Task.Delay(api.Options.PaidTimeout)) == paid)
            {
                toPaid.Success(Stopwatch.GetElapsedTime(due, await paid).TotalMilliseconds);
            }
            else
            {
                toPaid.Failure(await ReadsPaidAsync(tenant, invoices[i].InvoiceId) ? "paid, no push in time" : "not paid in time");
            }
        }, accepted, toPaid);

        var paidNow = 0;
        await OpenLoop.ForEachAsync(count, 8, async i => { if (await ReadsPaidAsync(tenant, invoices[i].InvoiceId)) { Interlocked.Increment(ref paidNow); } });
        result.Notes.Add($"afterwards GET /api/invoices/{{id}} reads paid for {paidNow} of {count}");
        return result;
    }

    public static async Task<bool> ReadsPaidAsync(Tenant tenant, Guid invoiceId) =>
        (await OraServApi.MustAsync(tenant.Owner.GetAsync($"/api/invoices/{invoiceId}"))).GetProperty("status").GetString() == "paid";
}
