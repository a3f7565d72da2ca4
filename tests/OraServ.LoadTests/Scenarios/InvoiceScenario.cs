using System.Diagnostics;
using System.Net.Http.Json;

namespace OraServ.LoadTests.Scenarios;

/// <summary>
/// Issue #4's benchmark: "Invoice Job" then "send" through the gateway at a constant rate. The completed jobs are made
/// first (closed loop, not measured) so that both phases measure one kind of request each.
/// </summary>
public static class InvoiceScenario
{
    public static async Task<ScenarioResult> RunAsync(OraServApi api, Tenant[] tenants)
    {
        var rate = api.Options.Rate ?? 50;
        var count = api.Options.Arrivals(50, 60);
        var result = new ScenarioResult($"invoice: \"Invoice Job\" then \"send\", {count} each at {rate}/s, over {tenants.Length} tenant(s)", api.Options.CheckoutRoot());

        // Enough calls for tiered compilation to settle (tier 0, instrumented, tier 1: about 60 calls per method).
        var warmUp = api.Options.WarmUp ?? 150;
        var setup = Stopwatch.StartNew();
        var jobIds = new Guid[count + warmUp];
        await OpenLoop.ForEachAsync(jobIds.Length, 8, async i => jobIds[i] = await OraServApi.CompletedJobAsync(tenants[i % tenants.Length], i));
        await result.SettleAsync($"setup: {jobIds.Length} jobs created and completed in {setup.Elapsed.TotalSeconds:F0} s (8 at a time)");
        result.Notes.Add($"then {warmUp} jobs invoiced and sent as a warm-up, 4 at a time (not measured), and the local run idle again");
        await OpenLoop.ForEachAsync(warmUp, 4, async w =>
        {
            var i = count + w;
            var owner = tenants[i % tenants.Length].Owner;
            var draft = await OraServApi.MustAsync(owner.PostAsJsonAsync("/api/invoices", new { jobId = jobIds[i] }));
            await OraServApi.MustAsync(owner.PostAsJsonAsync($"/api/invoices/{draft.GetProperty("id").GetGuid()}/send", new { terms = "net_15" }));
        });

        await result.SettleAsync("warm-up done");
        result.MeasuringStarts();
        var invoiceJob = result.Step("Invoice Job (POST /api/invoices)");
        var invoiceIds = new Guid?[count];
        await OpenLoop.RunAsync(rate, count, async (i, due) =>
            invoiceIds[i] = (await OraServApi.TimedAsync(tenants[i % tenants.Length].Owner, invoiceJob, due, OraServApi.Post("/api/invoices", new { jobId = jobIds[i] })))
                ?.GetProperty("id").GetGuid(), invoiceJob);

        var drafts = invoiceIds.Select((id, i) => (Id: id, tenants[i % tenants.Length].Owner)).Where(d => d.Id is not null).ToArray();
        var send = result.Step("send (POST /api/invoices/{id}/send)");
        await OpenLoop.RunAsync(rate, drafts.Length, (i, due) =>
            OraServApi.TimedAsync(drafts[i].Owner, send, due, OraServApi.Post($"/api/invoices/{drafts[i].Id}/send", new { terms = "net_15" })), send);
        return result;
    }
}
