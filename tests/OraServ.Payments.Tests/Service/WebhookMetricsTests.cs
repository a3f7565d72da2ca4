using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using OraServ.Payments;
using OraServ.StripeEmulator;
using Stripe;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>Metrics are process-wide: this collection runs alone, so no other test's webhooks are counted here.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}

/// <summary>What operations sees of the webhooks: how many were stored, duplicate or refused, and how late they came.</summary>
[Collection(MetricsCollection.Name)]
public sealed class WebhookMetricsTests : IAsyncLifetime
{
    private PaymentsHost _payments = null!;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string Tag)> _measurements = new();

    public async Task InitializeAsync()
    {
        _payments = await PaymentsHost.StartAsync();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PaymentsMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, Tag(tags))));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, Tag(tags))));
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _payments.DisposeAsync();
    }

    [Fact]
    public async Task A_webhook_created_a_minute_ago_is_counted_stored_with_its_lag_a_repeat_duplicate_and_a_forgery_rejected()
    {
        var created = DateTimeOffset.UtcNow.AddSeconds(-60);
        var body = $$$"""{"id":"evt_metrics_{{{Guid.NewGuid():N}}}","object":"event","api_version":"{{{StripeConfiguration.ApiVersion}}}","created":{{{created.ToUnixTimeSeconds()}}},"data":{"object":{"id":"acct_1","object":"account"}},"livemode":false,"pending_webhooks":1,"type":"account.updated","account":"acct_unknown"}""";

        Assert.Equal(HttpStatusCode.OK, await PostAsync(body, WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(body, WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, DateTimeOffset.UtcNow)));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(body, WebhookDispatcher.SignatureHeader("whsec_forged", body, DateTimeOffset.UtcNow)));

        var recorded = _measurements.ToList();
        Assert.Equal(
            [("oraserv.stripe.webhooks", "stored"), ("oraserv.stripe.webhook.lag", "account.updated"), ("oraserv.stripe.webhooks", "duplicate"), ("oraserv.stripe.webhooks", "rejected")],
            recorded.Select(m => (m.Instrument, m.Tag)));
        Assert.InRange(recorded[1].Value, 59d, 90d);
    }

    private async Task<HttpStatusCode> PostAsync(string content, string signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(content, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        using var response = await _payments.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length == 0 ? "" : tags[0].Value?.ToString() ?? "";
}
