using System.Net.Http.Json;
using System.Text.Json;
using OraServ.Invoicing;
using OraServ.ServiceDefaults;

namespace OraServ.FunctionalTests;

[Collection(MoneyPathCollection.Name)]
public sealed class ReportsTests(MoneyPathFixture fixture)
{
    private static readonly JsonSerializerOptions Json = ApiDefaultsExtensions.Json;

    [Fact]
    public async Task The_receivables_report_sums_outstanding_overdue_collected_and_ages_what_is_open()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")).DateTime);
        var current = await SendAsync(api, tenant, new { terms = "net_30" });
        var late45 = await SendAsync(api, tenant, new { dueDate = today.AddDays(-45) });
        var late100 = await SendAsync(api, tenant, new { dueDate = today.AddDays(-100) });
        var paid = await SendAsync(api, tenant, new { terms = "due_on_receipt" });
        (await api.PostAsJsonAsync($"/api/invoices/{paid.Id}/payments", new { amount = paid.Total, method = "cash" })).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/api/invoices/{late45.Id}/payments", new { amount = 100m, method = "check" })).EnsureSuccessStatusCode();
        var other = Guid.CreateVersion7();
        await SendAsync(fixture.Invoicing.ClientFor(other), other, new { terms = "net_30" });

        var report = await api.GetFromJsonAsync<ReceivablesReport>("/api/reports/receivables", Json);

        var total = current.Total; // every invoice here bills the same job lines
        Assert.Equal("USD", report!.Currency);
        Assert.Equal(3, report.OpenCount);
        Assert.Equal(3 * total - 100m, report.Outstanding);
        Assert.Equal(2, report.OverdueCount);
        Assert.Equal(2 * total - 100m, report.Overdue);
        Assert.Equal(total + 100m, report.CollectedThisWeek);
        Assert.Equal(new AgingBuckets(total, total - 100m, 0m, total), report.Aging);
        Assert.Equal(1, report.PaidLast90Days);
        Assert.InRange(report.MedianMinutesCompletedToPaid!.Value, 0, 10);
        Assert.Equal(late100.Total, total);
    }

    private async Task<InvoiceResponse> SendAsync(HttpClient api, Guid tenant, object send)
    {
        var jobId = await fixture.CompletedJobAsync(tenant);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        return (await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", send)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json))!;
    }
}
