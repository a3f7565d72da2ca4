using System.Diagnostics;
using System.Net;

namespace OraServ.LoadTests.Scenarios;

/// <summary>
/// Issue #9's money path, N times: job, complete, "Invoice Job", send, the pay page ready, intent, the card confirmed at
/// Stripe (the emulator, pm_card_visa), and the emulator's own signed webhook turning the invoice PAID on the dashboard.
/// Paths start at a constant rate; each step is timed from its own start, the whole path from its scheduled start.
/// </summary>
public static class MoneyPathScenario
{
    public static async Task<ScenarioResult> RunAsync(OraServApi api, Tenant tenant, DashboardWatch dashboard)
    {
        var rate = api.Options.Rate ?? 5;
        var count = api.Options.Arrivals(5, 40);
        var result = new ScenarioResult($"money-path: {count} full paths started at {rate}/s", api.Options.CheckoutRoot());
        result.MeasuringStarts();
        var createJob = result.Step("create job");
        var completeJob = result.Step("complete job");
        var invoiceJob = result.Step("Invoice Job");
        var send = result.Step("send");
        var payPage = result.Step("send -> pay page ready (InvoiceIssued at Payments)");
        var intent = result.Step("create intent (POST /api/pay/{token}/intent)");
        var confirm = result.Step("confirm at Stripe (emulator, pm_card_visa)");
        var toPaid = result.Step("confirmed -> emulator webhook -> PAID on the dashboard");
        var whole = result.Step("whole path");

        await OpenLoop.RunAsync(rate, count, async (i, due) =>
        {
            var owner = tenant.Owner;
            var job = await OraServApi.TimedAsync(owner, createJob, due, OraServApi.Post("/api/jobs", OraServApi.JobRequest(tenant.ClientIds[i % tenant.ClientIds.Length], i)));
            if (job is not { } j)
            {
                whole.Failure("create job");
                return;
            }
            var jobId = j.GetProperty("id").GetGuid();
            if (await OraServApi.TimedAsync(owner, completeJob, Stopwatch.GetTimestamp(), OraServApi.Post($"/api/jobs/{jobId}/complete", new { notes = "Done" })) is null)
            {
                whole.Failure("complete job");
                return;
            }
            if (await OraServApi.TimedAsync(owner, invoiceJob, Stopwatch.GetTimestamp(), OraServApi.Post("/api/invoices", new { jobId })) is not { } draft)
            {
                whole.Failure("Invoice Job");
                return;
            }
            var invoiceId = draft.GetProperty("id").GetGuid();
            if (await OraServApi.TimedAsync(owner, send, Stopwatch.GetTimestamp(), OraServApi.Post($"/api/invoices/{invoiceId}/send", new { terms = "due_on_receipt" })) is not { } sent)
            {
                whole.Failure("send");
                return;
            }
            var token = OraServApi.PayToken(sent);
            if (!await PayPageAsync(api, payPage, token))
            {
                whole.Failure("pay page");
                return;
            }
            if (await OraServApi.TimedAsync(api.Anonymous, intent, Stopwatch.GetTimestamp(), OraServApi.Post($"/api/pay/{token}/intent", null)) is not { } created)
            {
                whole.Failure("intent");
                return;
            }
            var paid = dashboard.PaidAsync(invoiceId);
            var request = api.Confirm(created.GetProperty("paymentIntentId").GetString()!, created.GetProperty("stripeAccount").GetString()!);
            if (await OraServApi.TimedAsync(api.Emulator, confirm, Stopwatch.GetTimestamp(), request) is null)
            {
                whole.Failure("confirm");
                return;
            }
            var confirmed = Stopwatch.GetTimestamp();
            if (await Task.WhenAny(paid, Task.Delay(api.Options.PaidTimeout)) != paid)
            {
                var outcome = await WebhookToPaidScenario.ReadsPaidAsync(tenant, invoiceId) ? "paid, no push in time" : "not paid in time";
                toPaid.Failure(outcome);
                whole.Failure(outcome);
                return;
            }
            var at = await paid;
            toPaid.Success(Stopwatch.GetElapsedTime(confirmed, at).TotalMilliseconds);
            whole.Success(Stopwatch.GetElapsedTime(due, at).TotalMilliseconds);
        }, [.. result.Steps]);
        return result;
    }

    /// <summary>The customer opens the pay link: 404 until InvoiceIssued has reached Payments, then the page.</summary>
    private static async Task<bool> PayPageAsync(OraServApi api, StepStats step, string token)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < api.Options.PaidTimeout)
        {
            try
            {
                using var response = await api.Anonymous.GetAsync($"/api/pay/{token}");
                if (response.IsSuccessStatusCode)
                {
                    step.Success(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    return true;
                }
                if (response.StatusCode != HttpStatusCode.NotFound)
                {
                    step.Failure(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return false;
                }
            }
            catch (HttpRequestException ex)
            {
                step.Failure(ex.HttpRequestError.ToString());
                return false;
            }
            await Task.Delay(20);
        }
        step.Failure("timeout");
        return false;
    }
}
