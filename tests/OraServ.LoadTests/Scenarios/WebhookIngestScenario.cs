using System.Diagnostics;
using System.Net;

namespace OraServ.LoadTests.Scenarios;

/// <summary>
/// Issue #5's ingest benchmark: signed Connect webhooks (payment_intent.succeeded for intents OraServ does not know, each
/// with a unique event id) POSTed through the gateway at a constant rate; each must be verified, stored and answered 2xx.
/// Afterwards one real payment's webhook is sent and timed to PAID: how long the burst delays a real payment.
/// </summary>
public static class WebhookIngestScenario
{
    /// <summary>The path the floor's webhooks go to: the gateway's webhook route forwards it, Payments has no endpoint there.</summary>
    public const string FloorPath = "/webhooks/stripe/floor";

    public static async Task<ScenarioResult> RunAsync(OraServApi api, Tenant tenant, DashboardWatch dashboard)
    {
        var result = new ScenarioResult($"webhook-ingest: {Count(api)} signed webhooks at {Rate(api)}/s to POST {api.Options.WebhookUrl?.ToString() ?? "/webhooks/stripe"}", api.Options.CheckoutRoot());
        var webhooks = new StripeWebhooks(api.Options.ResolveWebhookSecret());
        var probe = await api.OpenInvoiceWithIntentAsync(tenant, 0);
        if (api.Options.WebhookUrl is { } url)
        {
            result.Notes.Add($"the measured webhooks went to {url}, not through the gateway; the real payment after them went through the gateway");
        }
        await BurstAsync(api, result, tenant, webhooks, api.Options.WebhookUrl, "webhook accepted (POST /webhooks/stripe -> 2xx)", expected: null);

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

    /// <summary>
    /// The floor under issue #5's ingest target: the same signed webhooks at the same rate through the gateway, to a path
    /// the gateway forwards to Payments like any webhook and Payments refuses at once (401: authentication runs, no endpoint
    /// matches) without reading the body, checking the signature or touching its database. What this costs is the driver's,
    /// the gateway's and Payments' HTTP plumbing alone, which every webhook handler behind the gateway adds its work to.
    /// </summary>
    public static async Task<ScenarioResult> FloorAsync(OraServApi api, Tenant tenant)
    {
        var result = new ScenarioResult($"webhook-floor: {Count(api)} signed webhooks at {Rate(api)}/s to POST {FloorPath} (forwarded by the gateway, refused by Payments at once)", api.Options.CheckoutRoot());
        var webhooks = new StripeWebhooks(api.Options.ResolveWebhookSecret());
        await BurstAsync(api, result, tenant, webhooks, new Uri(FloorPath, UriKind.Relative), $"webhook forwarded and refused (POST {FloorPath} -> 401)", HttpStatusCode.Unauthorized);
        result.Notes.Add("nothing was verified or stored: the figures are the plumbing's alone (the driver, the gateway, Payments' middleware)");
        return result;
    }

    private static double Rate(OraServApi api) => api.Options.Rate ?? 1000;

    private static int Count(OraServApi api) => api.Options.Arrivals(1000, 30);

    /// <summary>An unmeasured warm-up at a tenth of the rate, then the measured burst: unique signed events, open loop.</summary>
    private static async Task BurstAsync(OraServApi api, ScenarioResult result, Tenant tenant, StripeWebhooks webhooks, Uri? target, string step, HttpStatusCode? expected)
    {
        var rate = Rate(api);
        var count = Count(api);
        var warmUp = api.Options.WarmUp ?? 200;
        var bodies = Enumerable.Range(0, count + warmUp)
            .Select(_ => StripeWebhooks.PaymentIntentSucceeded(tenant.StripeAccountId, StripeWebhooks.NewId("pi"), 80050, "usd", null))
            .ToArray();
        var warm = new StepStats("warm-up");
        await OpenLoop.RunAsync(rate / 10, warmUp, (i, due) => OraServApi.TimedAsync(api.Anonymous, warm, due, webhooks.Request(bodies[count + i], target), expected));
        await result.SettleAsync($"warm-up: {warmUp} webhooks at {rate / 10}/s first (not measured; {warm.Failed} failed)");

        result.MeasuringStarts();
        var measured = result.Step(step);
        await OpenLoop.RunAsync(rate, count, (i, due) =>
            OraServApi.TimedAsync(api.Anonymous, measured, due, webhooks.Request(bodies[i], target), expected), measured);
    }
}
