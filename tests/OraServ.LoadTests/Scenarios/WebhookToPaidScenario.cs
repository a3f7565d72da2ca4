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

        // The first payments of a fresh run also pay for compiling the whole chain in five services. With tiered PGO a
        // method is compiled three times (tier 0, instrumented after 30 calls, tier 1 after 30 more): with 50 warm-up
        // payments a third of Payments' CPU in the measured phase was still the JIT's (perf, 2026-11-25).
        var warmUp = api.Options.WarmUp ?? 150;
        var setup = Stopwatch.StartNew();
        var invoices = new OpenInvoice[count + warmUp];
        await OpenLoop.ForEachAsync(invoices.Length, 8, async i => invoices[i] = await api.OpenInvoiceWithIntentAsync(tenant, i));
        var bodies = invoices.Select(i => StripeWebhooks.PaymentIntentSucceeded(i.StripeAccount, i.PaymentIntentId, (long)(i.Amount * 100), i.Currency, i.InvoiceId)).ToArray();
        await result.SettleAsync($"setup: {invoices.Length} invoices sent, pay page ready and intent created in {setup.Elapsed.TotalSeconds:F0} s (8 at a time)");
        var warm = new StepStats("warm-up");
        var warmRate = Math.Max(1, rate / 4);
        await OpenLoop.RunAsync(warmRate, warmUp, async (i, due) =>
        {
            var paid = dashboard.PaidAsync(invoices[count + i].InvoiceId);
            if (await OraServApi.TimedAsync(api.Anonymous, warm, due, webhooks.Request(bodies[count + i])) is not null)
            {
                await Task.WhenAny(paid, Task.Delay(api.Options.PaidTimeout));
            }
        });
        await result.SettleAsync($"warm-up: {warmUp} other invoices paid by webhook at {warmRate}/s first (not measured; {warm.Failed} failed)");

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
                toPaid.Success(Stopwatch.GetElapsedTime(due, await paid).TotalMilliseconds, due);
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
