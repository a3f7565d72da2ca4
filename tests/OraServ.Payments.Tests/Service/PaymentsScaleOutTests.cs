using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using Stripe;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>
/// Three Payments instances on one database and one broker (OraServ:ScaleOut=3 in the app host), each a webhook
/// endpoint of the same Stripe account: every event reaches every instance, several times, and is settled once.
/// </summary>
public sealed class PaymentsScaleOutTests : IAsyncLifetime
{
    private readonly List<PaymentsHost> _instances = [];

    public async Task InitializeAsync()
    {
        var first = await PaymentsHost.StartAsync();
        _instances.Add(first);
        // The replicas use the first instance's database and Stripe (its emulator); their own emulators stay idle.
        var shared = new Dictionary<string, string>
        {
            [$"ConnectionStrings:{ResourceNames.PaymentsDb}"] = first.Services.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.PaymentsDb)!,
            ["Stripe:ApiBase"] = first.Emulator.BaseUrl,
        };
        for (var i = 1; i < 3; i++)
        {
            var replica = await PaymentsHost.StartAsync(settings: shared);
            first.Emulator.Webhooks.AddEndpoint($"{replica.BaseUrl}/webhooks/stripe", PaymentsHost.WebhookSecret);
            _instances.Add(replica);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in Enumerable.Reverse(_instances))
        {
            await instance.DisposeAsync();
        }
    }

    private sealed record Connected(string OnboardingUrl);

    private sealed record AccountStatusView(string Status, string? AccountId);

    private sealed record Intent(string PaymentIntentId, string StripeAccount, decimal Amount);

    [Fact]
    public async Task Every_webhook_delivered_to_all_three_instances_three_times_gives_one_payment_per_intent()
    {
        var (first, emulator) = (_instances[0], _instances[0].Emulator);
        var tenant = Guid.CreateVersion7();
        using var owner = first.ClientFor(tenant);
        var connect = await (await owner.PostAsync("/api/payments/stripe/connect", null)).Content.ReadFromJsonAsync<Connected>();
        using var completed = await emulator.Http.PostAsync(connect!.OnboardingUrl, new FormUrlEncodedContent([new("business_name", "Acme")]));
        Assert.Equal(HttpStatusCode.Redirect, completed.StatusCode);
        await first.SettledAsync();
        var accountId = (await owner.GetFromJsonAsync<AccountStatusView>("/api/payments/stripe/account"))!.AccountId!;

        // Twelve invoices paid by card, the pay page of each served by one of the instances in turn.
        var invoices = Enumerable.Range(1, 12).Select(n => (Id: Guid.CreateVersion7(), Token: Convert.ToHexString(Guid.NewGuid().ToByteArray()), Amount: 10m * n)).ToList();
        await first.InTenantAsync(tenant, db =>
        {
            db.PayableInvoices.AddRange(invoices.Select(i => new PayableInvoice
            {
                Id = i.Id, TenantId = tenant, PayToken = i.Token, BusinessName = "Acme Plumbing", Number = "INV-000001",
                Currency = "USD", AmountDue = i.Amount, DueDate = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30)),
                Lines = [new PayableLine { Kind = "labor", Description = "Fix sink", Quantity = 1, UnitPrice = i.Amount, Amount = i.Amount }],
            }));
            return db.SaveChangesAsync();
        });
        var intents = await Task.WhenAll(invoices.Select(async (invoice, n) =>
            (await (await _instances[n % 3].Http.PostAsync($"/api/pay/{invoice.Token}/intent", null)).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<Intent>())!));
        var stripeIntents = new PaymentIntentService(emulator.Stripe);
        await Task.WhenAll(intents.Select(intent => stripeIntents.ConfirmAsync(intent.PaymentIntentId,
            new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = accountId })));
        await first.SettledAsync();
        using var redeliver = await emulator.Http.PostAsJsonAsync("/_emulator/redeliver", new { times = 3, shuffle = true, types = new[] { "payment_intent.succeeded" } });
        redeliver.EnsureSuccessStatusCode();
        await first.SettledAsync();

        var received = emulator.Webhooks.Deliveries.Where(d => d.EventType == "payment_intent.succeeded" && d.Status == 200)
            .GroupBy(d => d.Url).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(_instances, instance => Assert.Equal(intents.Length * 4, received.GetValueOrDefault($"{instance.BaseUrl}/webhooks/stripe")));
        var payments = await first.InTenantAsync(tenant, db => db.Payments.ToListAsync());
        Assert.Equal(intents.Select(i => i.PaymentIntentId).Order(), payments.Select(p => p.StripePaymentIntentId).Order());
        Assert.All(payments, p => Assert.Equal(invoices.Single(i => i.Id == p.InvoiceId).Amount, p.Amount));
        var succeeded = (await first.OutboxAsync<PaymentSucceeded>()).Select(m => (PaymentSucceeded)m.ToEvent()).ToList();
        Assert.Equal(intents.Select(i => i.PaymentIntentId).Order(), succeeded.Select(e => e.PaymentId).Order());
        Assert.Equal(invoices.Select(i => (i.Id, i.Amount)).Order(), succeeded.Select(e => (e.InvoiceId, e.Amount)).Order());
        Assert.All(await first.InTenantAsync(Guid.Empty, db => db.StripeEvents.ToListAsync()), e => Assert.Equal(1, e.Attempts));
    }

    [Fact]
    public async Task A_payments_events_posted_to_different_instances_are_worked_once_each_in_arrival_order()
    {
        var first = _instances[0];
        var tenant = Guid.CreateVersion7();
        var account = await first.ConnectAsync(tenant);
        await first.SettledAsync();
        var intents = Enumerable.Range(0, 45).Select(_ => (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7())).ToList();
        // Every worker of the three instances busy while the events pile up, then all of them at once on the backlog.
        await using var busy = await BusyWorkers.StartAsync(first, tenant, account, workers: 3 * 4);

        foreach (var (intent, n) in intents.Select((intent, n) => (intent, n)))
        {
            foreach (var (type, instance) in (ValueTuple<string, int>[])[("payment_intent.payment_failed", n), ("payment_intent.succeeded", n + 1), ("payment_intent.payment_failed", n + 2)])
            {
                Assert.Equal(HttpStatusCode.OK, await _instances[instance % 3].PostAsync(SignedEvents.PaymentIntent(type, account, intent.Id, intent.Invoice, 5000)));
            }
        }
        await busy.DisposeAsync();
        await first.SettledAsync();

        var events = (await first.InTenantAsync(Guid.Empty, db => db.StripeEvents.Where(e => e.Type.StartsWith("payment_intent.")).ToListAsync()))
            .ToLookup(e => e.OrderingKey);
        Assert.All(intents, intent => Assert.Equal(
            [("payment_intent.payment_failed", "failure published", 1), ("payment_intent.succeeded", "payment recorded", 1), ("payment_intent.payment_failed", "ignored: already paid", 1)],
            events[intent.Id].OrderBy(e => e.ProcessedAt).Select(e => (e.Type, e.Outcome, e.Attempts))));
        Assert.Equal(intents.Count, (await first.OutboxAsync<PaymentFailed>()).Count);
        Assert.Equal(intents.Count + busy.Intents.Count, (await first.OutboxAsync<PaymentSucceeded>()).Count);
    }
}
