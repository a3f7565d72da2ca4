using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OraServ.Contracts;
using OraServ.Testing;
using Stripe;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>Webhooks that cannot arrive: Payments down while Stripe retries, and a webhook lost for good.</summary>
public sealed class PaymentsOutageTests
{
    [Fact]
    public async Task A_payment_confirmed_while_Payments_is_down_is_recorded_once_when_it_is_back()
    {
        await using var payments = await PaymentsHost.StartAsync();
        await using var published = await BrokerListener.StartAsync<PaymentSucceeded>((await TestServers.SharedAsync()).RabbitMqConnectionString, "payments-tests");
        var tenant = Guid.CreateVersion7();
        var accountId = await payments.ConnectAsync(tenant);
        var (invoiceId, token) = await payments.IssueAsync(tenant, 80m);
        var intent = await payments.IntentAsync(token);
        await payments.SettledAsync();

        await payments.StopAsync();
        var confirmed = await new PaymentIntentService(payments.Emulator.Stripe).ConfirmAsync(
            intent.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = accountId });
        await Eventually.TrueAsync(() => Task.FromResult(FailedDeliveries(payments) >= 3), "the emulator retrying payment_intent.succeeded");
        await payments.RestartAsync();
        await payments.SettledAsync();

        Assert.Equal("succeeded", confirmed.Status);
        var payment = Assert.Single(await payments.InTenantAsync(tenant, db => db.Payments.ToListAsync()));
        Assert.Equal((invoiceId, intent.PaymentIntentId, 80m, "USD", "card"), (payment.InvoiceId, payment.StripePaymentIntentId, payment.Amount, payment.Currency, payment.Method));
        Assert.Single(await payments.OutboxAsync<PaymentSucceeded>());
        await Eventually.TrueAsync(() => Task.FromResult(published.Received<PaymentSucceeded>().Any(m => m.InvoiceId == invoiceId)), "PaymentSucceeded on the broker");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var received = Assert.Single(published.Received<PaymentSucceeded>(), m => m.InvoiceId == invoiceId);
        Assert.Equal((tenant, intent.PaymentIntentId, 80m, "USD"), (received.TenantId, received.PaymentId, received.Amount, received.Currency));
        var deliveries = payments.Emulator.Webhooks.Deliveries.Where(d => d.EventType == "payment_intent.succeeded").OrderBy(d => d.Attempt).ToList();
        Assert.Equal(200, deliveries[^1].Status);
        Assert.All(deliveries[..^1], d => Assert.Null(d.Status));
    }

    [Fact]
    public async Task A_payment_whose_webhook_is_lost_is_settled_by_reconciliation_after_the_configured_minutes_and_not_before()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var payments = await PaymentsHost.StartAsync(clock, new Dictionary<string, string>
        {
            ["Payments:ReconcileAfter"] = "00:05:00",
            ["Payments:ReconcileInterval"] = "00:01:00",
        });
        var tenant = Guid.CreateVersion7();
        var accountId = await payments.ConnectAsync(tenant);
        var (invoiceId, token) = await payments.IssueAsync(tenant, 42.50m);
        var intent = await payments.IntentAsync(token);
        await payments.SettledAsync();
        Assert.True(payments.Emulator.Webhooks.RemoveEndpoint(payments.WebhookUrl));
        var confirmed = await new PaymentIntentService(payments.Emulator.Stripe).ConfirmAsync(
            intent.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = accountId });
        var reconciliation = payments.Services.GetServices<IHostedService>().OfType<Reconciliation>().Single();

        clock.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await reconciliation.RunOnceAsync(CancellationToken.None));
        Assert.Empty(await payments.InTenantAsync(tenant, db => db.Payments.ToListAsync()));
        Assert.Empty(await payments.OutboxAsync<PaymentSucceeded>());

        // The job's own loop wakes every ReconcileInterval of the test clock: move the clock on until it has run.
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => payments.InTenantAsync(tenant, db => db.Payments.AnyAsync()), "reconciliation to record the payment",
            () => clock.Advance(TimeSpan.FromMinutes(1)));

        Assert.Equal("succeeded", confirmed.Status);
        var payment = Assert.Single(await payments.InTenantAsync(tenant, db => db.Payments.ToListAsync()));
        Assert.Equal((invoiceId, 42.50m, "USD"), (payment.InvoiceId, payment.Amount, payment.Currency));
        var succeeded = (PaymentSucceeded)Assert.Single(await payments.OutboxAsync<PaymentSucceeded>()).ToEvent();
        Assert.Equal((invoiceId, intent.PaymentIntentId, 42.50m), (succeeded.InvoiceId, succeeded.PaymentId, succeeded.Amount));
        Assert.Equal("succeeded", (await payments.InTenantAsync(tenant, db => db.PaymentIntents.SingleAsync())).Status);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await reconciliation.RunOnceAsync(CancellationToken.None));
        Assert.Single(await payments.OutboxAsync<PaymentSucceeded>());
    }

    private static int FailedDeliveries(PaymentsHost payments) =>
        payments.Emulator.Webhooks.Deliveries.Count(d => d.EventType == "payment_intent.succeeded" && d.Status is null);
}
