using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using OraServ.Invoicing;
using OraServ.ServiceDefaults;

namespace OraServ.FunctionalTests;

/// <summary>What the operations dashboard shows of Invoicing: invoices issued and paid, and the time from job completed to paid.</summary>
[Collection(MoneyPathCollection.Name)]
public sealed class MetricsTests(MoneyPathFixture fixture) : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string? Currency)> _measurements = new();

    [Fact]
    public async Task Sending_and_paying_an_invoice_counts_it_issued_then_paid_and_records_the_time_from_job_completed_to_paid()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == InvoicingMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant, "dispatcher");
        var jobCompleted = DateTimeOffset.UtcNow;
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId = await fixture.CompletedJobAsync(tenant) })).Content.ReadFromJsonAsync<InvoiceResponse>(ApiDefaultsExtensions.Json);
        var sent = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_15" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(ApiDefaultsExtensions.Json);

        Assert.Equal([("oraserv.invoices.issued", 1d, "USD")], _measurements);

        await Task.Delay(1100);
        (await api.PostAsJsonAsync($"/api/invoices/{sent!.Id}/payments", new { amount = sent.Total, method = "cash" })).EnsureSuccessStatusCode();
        var paidWithin = (DateTimeOffset.UtcNow - jobCompleted).TotalSeconds;

        var recorded = _measurements.ToList();
        Assert.Equal(["oraserv.invoices.issued", "oraserv.invoices.paid", "oraserv.invoices.time_to_paid"], recorded.Select(m => m.Instrument));
        var timeToPaid = recorded[2].Value;
        Assert.InRange(timeToPaid, 1d, paidWithin + 1d);
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        string? currency = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "currency")
            {
                currency = tag.Value as string;
            }
        }
        _measurements.Enqueue((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), currency));
    }

    public void Dispose() => _listener.Dispose();
}
