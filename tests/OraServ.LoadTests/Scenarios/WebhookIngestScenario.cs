using System.Diagnostics;

namespace OraServ.LoadTests.Scenarios;

/// <summary>
/// Issue #5's ingest benchmark: signed Connect webhooks (payment_intent.succeeded for intents OraServ does not know, each
/// with a unique event id) POSTed through the gateway at a constant rate; each must be verified, stored and answered 2xx.
/// Afterwards one real payment's webhook is sent and timed to PAID: how long the burst delays a real payment.
/// </summary>
public static class WebhookIngestScenario
{
    public static async Task<ScenarioResult> RunAsync(OraServApi api, Tenant tenant, DashboardWatch dashboard)
    {
        var rate = api.Options.Rate ?? 1000;
        var count = api.Options.Arrivals(1000, 30);
        var result = new ScenarioResult($"webhook-ingest: {count} signed webhooks at {rate}/s to POST /webhooks/stripe", api.Options.CheckoutRoot());
        var webhooks = new StripeWebhooks(api.Options.ResolveWebhookSecret());
        var probe = await api.OpenInvoiceWithIntentAsync(tenant, 0);

        var warmUp = api.Options.WarmUp ?? 200;
        var bodies = Enumerable.Range(0, count + warmUp)
            .Select(_ => StripeWebhooks.PaymentIntentSucceeded(tenant.StripeAccountId, StripeWebhooks.NewId("pi"), 80050, "usd", null))
            .ToArray();
        var warm = new StepStats("warm-up");
        await OpenLoop.RunAsync(rate / 10, warmUp, (i, due) => OraServApi.TimedAsync(api.Anonymous, warm, due, webhooks.Request(bodies[count + i])));
        await result.SettleAsync($"warm-up: {warmUp} webhooks at {rate / 10}/s first (not measured; {warm.Failed} failed)");

        result.MeasuringStarts();
        var ingest = result.Step("webhook accepted (POST /webhooks/stripe -> 2xx)");
        await OpenLoop.RunAsync(rate, count, (i, due) =>
            OraServApi.TimedAsync(api.Anonymous, ingest, due, webhooks.Request(bodies[i])), ingest);

        // A real payment right behind the burst: it reads PAID once Payments has worked through the stored events before it.
        var sent = Stopwatch.GetTimestamp();
        var paid = dashboard.PaidAsync(probe.InvoiceId);
        var body = StripeWebhooks.PaymentIntentSucceeded(probe.StripeAccount, probe.PaymentIntentId, (long)(probe.Amount * 100), probe.Currency, probe.InvoiceId);
        try
        {
            await OraServApi.MustAsync(api.Anonymous.SendAsync(webhooks.Request(body)));
        }
        catch (HttpRequestException ex)
        {
            result.Notes.Add($"the real payment's webhook after the burst could not be sent: {ex.Message}");
            return result;
        }
        var patience = api.Options.PaidTimeout * 5;
        if (await Task.WhenAny(paid, Task.Delay(patience)) == paid)
        {
            result.Notes.Add($"a real payment's webhook sent right after the burst read PAID on the dashboard {Stopwatch.GetElapsedTime(sent, await paid).TotalSeconds:F1} s later "
                + "(the stored events are processed in arrival order, so this is the time to work off the burst)");
        }
        else
        {
            result.Notes.Add($"a real payment's webhook sent right after the burst did not read PAID within {patience.TotalSeconds:F0} s (5 x --timeout)");
        }
        return result;
    }
}
