using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
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
        var paths = new MoneyPaths(result, api, tenant, dashboard, TimeSpan.Zero);
        await OpenLoop.RunAsync(rate, count, paths.RunOneAsync, [.. result.Steps]);
        return result;
    }
}

/// <summary>
/// The steps of the money path and what each path got to: the paths whose card was confirmed at Stripe (a payment
/// taken) with their invoice and intent. With patience, a step that meets a 5xx or no answer is tried again.
/// </summary>
public sealed class MoneyPaths(ScenarioResult result, OraServApi api, Tenant tenant, DashboardWatch dashboard, TimeSpan patience)
{
    private readonly StepStats _createJob = result.Step("create job");
    private readonly StepStats _completeJob = result.Step("complete job");
    private readonly StepStats _invoiceJob = result.Step("Invoice Job");
    private readonly StepStats _send = result.Step("send");
    private readonly StepStats _payPage = result.Step("send -> pay page ready (InvoiceIssued at Payments)");
    private readonly StepStats _intent = result.Step("create intent (POST /api/pay/{token}/intent)");
    private readonly StepStats _confirm = result.Step("confirm at Stripe (emulator, pm_card_visa)");
    private readonly StepStats _toPaid = result.Step("confirmed -> emulator webhook -> PAID on the dashboard");
    private readonly StepStats _whole = result.Step("whole path");
    private int _confirmed;

    /// <summary>Invoice id -> PaymentIntent id of every path whose card the emulator confirmed.</summary>
    public ConcurrentDictionary<Guid, string> Paid { get; } = new();

    /// <summary>Invoices of every path that got as far as "Invoice Job".</summary>
    public ConcurrentBag<Guid> Invoices { get; } = [];

    /// <summary>Raised with the number of cards confirmed so far, each time one is.</summary>
    public Action<int>? Confirmed { get; init; }

    public StepStats Whole => _whole;

    public async Task RunOneAsync(int i, long due)
    {
        var owner = tenant.Owner;
        var job = await OraServApi.PatientAsync(owner, _createJob, due, () => OraServApi.Post("/api/jobs", OraServApi.JobRequest(tenant.ClientIds[i % tenant.ClientIds.Length], i)), patience);
        if (job is not { } j)
        {
            _whole.Failure("create job");
            return;
        }
        var jobId = j.GetProperty("id").GetGuid();
        if (await OraServApi.PatientAsync(owner, _completeJob, Stopwatch.GetTimestamp(), () => OraServApi.Post($"/api/jobs/{jobId}/complete", new { notes = "Done" }), patience) is null)
        {
            _whole.Failure("complete job");
            return;
        }
        if (await OraServApi.PatientAsync(owner, _invoiceJob, Stopwatch.GetTimestamp(), () => OraServApi.Post("/api/invoices", new { jobId }), patience) is not { } draft)
        {
            _whole.Failure("Invoice Job");
            return;
        }
        var invoiceId = draft.GetProperty("id").GetGuid();
        Invoices.Add(invoiceId);
        if (await OraServApi.PatientAsync(owner, _send, Stopwatch.GetTimestamp(), () => OraServApi.Post($"/api/invoices/{invoiceId}/send", new { terms = "due_on_receipt" }), patience) is not { } sent)
        {
            _whole.Failure("send");
            return;
        }
        var token = OraServApi.PayToken(sent);
        if (!await PayPageAsync(token))
        {
            _whole.Failure("pay page");
            return;
        }
        if (await OraServApi.PatientAsync(api.Anonymous, _intent, Stopwatch.GetTimestamp(), () => OraServApi.Post($"/api/pay/{token}/intent", null), patience) is not { } created)
        {
            _whole.Failure("intent");
            return;
        }
        var paid = dashboard.PaidAsync(invoiceId);
        var intentId = created.GetProperty("paymentIntentId").GetString()!;
        var account = created.GetProperty("stripeAccount").GetString()!;
        if (await OraServApi.PatientAsync(api.Emulator, _confirm, Stopwatch.GetTimestamp(), () => api.Confirm(intentId, account), patience) is null)
        {
            _whole.Failure("confirm");
            return;
        }
        Paid[invoiceId] = intentId;
        Confirmed?.Invoke(Interlocked.Increment(ref _confirmed));
        var confirmed = Stopwatch.GetTimestamp();
        if (await Task.WhenAny(paid, Task.Delay(api.Options.PaidTimeout)) != paid)
        {
            var outcome = await WebhookToPaidScenario.ReadsPaidAsync(tenant, invoiceId) ? "paid, no push in time" : "not paid in time";
            _toPaid.Failure(outcome);
            _whole.Failure(outcome);
            return;
        }
        var at = await paid;
        _toPaid.Success(Stopwatch.GetElapsedTime(confirmed, at).TotalMilliseconds);
        _whole.Success(Stopwatch.GetElapsedTime(due, at).TotalMilliseconds);
    }

    /// <summary>The customer opens the pay link: 404 until InvoiceIssued has reached Payments, then the page.</summary>
    private async Task<bool> PayPageAsync(string token)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < api.Options.PaidTimeout)
        {
            string outcome;
            try
            {
                using var response = await api.Anonymous.GetAsync($"/api/pay/{token}");
                if (response.IsSuccessStatusCode)
                {
                    _payPage.Success(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    return true;
                }
                outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                var again = response.StatusCode is HttpStatusCode.NotFound
                    || (patience > TimeSpan.Zero && (response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500));
                if (!again)
                {
                    _payPage.Failure(outcome);
                    return false;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                outcome = ex is HttpRequestException http ? http.HttpRequestError.ToString() : "timeout";
                if (patience == TimeSpan.Zero)
                {
                    _payPage.Failure(outcome);
                    return false;
                }
            }
            if (outcome != "404")
            {
                _payPage.Retry(outcome);
            }
            // While something is down a customer reloads now and then, not 50 times a second (the gateway limits /api/pay
            // per address to 120 a minute and answers 429 beyond).
            await Task.Delay(outcome != "404" || patience > TimeSpan.Zero ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(20));
        }
        _payPage.Failure("timeout");
        return false;
    }
}
