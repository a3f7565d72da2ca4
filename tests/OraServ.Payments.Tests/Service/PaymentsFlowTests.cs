using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.StripeEmulator;
using Stripe;
using Xunit;
using OraServ.Testing;

namespace OraServ.Payments.Tests.Service;

/// <summary>Payments against real PostgreSQL and RabbitMQ, with Stripe.net talking to the emulator.</summary>
public sealed class PaymentsFlowTests : IAsyncLifetime
{
    private PaymentsHost _payments = null!;

    public async Task InitializeAsync() => _payments = await PaymentsHost.StartAsync();

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    private sealed record Connected(string OnboardingUrl);

    private sealed record AccountStatusView(string Status, string? AccountId, bool ChargesEnabled, bool PayoutsEnabled);

    private sealed record Intent(string ClientSecret, string PaymentIntentId, string PublishableKey, string StripeAccount, decimal Amount, string Currency, string? TestCardFormUrl);

    private Task<string> ConnectAsync(Guid tenant) => _payments.ConnectAsync(tenant);

    private Task<(Guid InvoiceId, string Token)> IssueAsync(Guid tenant, decimal amountDue, string currency = "USD") =>
        _payments.IssueAsync(tenant, amountDue, currency);

    private async Task<int> StoredEventsAsync() => await _payments.InTenantAsync(Guid.Empty, db => db.StripeEvents.CountAsync());

    [Fact]
    public async Task Connecting_Stripe_creates_one_account_and_onboarding_makes_it_active()
    {
        var tenant = Guid.CreateVersion7();
        using var owner = _payments.ClientFor(tenant);
        var before = await owner.GetFromJsonAsync<AccountStatusView>("/api/payments/stripe/account");

        var accountId = await ConnectAsync(tenant);
        var again = await (await owner.PostAsync("/api/payments/stripe/connect", null)).Content.ReadFromJsonAsync<Connected>();
        await _payments.SettledAsync();

        Assert.Equal("not_connected", before!.Status);
        var after = await owner.GetFromJsonAsync<AccountStatusView>("/api/payments/stripe/account");
        Assert.Equal(new AccountStatusView("active", accountId, true, true), after);
        Assert.StartsWith(_payments.Emulator.BaseUrl + "/onboarding/", again!.OnboardingUrl);
        Assert.Equal(1, await _payments.InTenantAsync(tenant, db => db.ConnectedAccounts.CountAsync()));
        Assert.Contains(await _payments.OutboxAsync<StripeAccountStatusChanged>(), m => m.Body.Contains("\"active\"", StringComparison.Ordinal));
        using var dispatcher = _payments.ClientFor(tenant, "dispatcher");
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.PostAsync("/api/payments/stripe/connect", null)).StatusCode);
    }

    [Fact]
    public async Task The_pay_intent_is_a_direct_charge_for_the_amount_due_and_is_reused_for_the_same_amount()
    {
        var tenant = Guid.CreateVersion7();
        var accountId = await ConnectAsync(tenant);
        var (_, token) = await IssueAsync(tenant, 123.45m);

        var page = await _payments.Http.GetFromJsonAsync<PayView>($"/api/pay/{token}");
        var first = await (await _payments.Http.PostAsync($"/api/pay/{token}/intent", null)).Content.ReadFromJsonAsync<Intent>();
        var second = await (await _payments.Http.PostAsync($"/api/pay/{token}/intent", null)).Content.ReadFromJsonAsync<Intent>();

        Assert.Equal(("Acme Plumbing", "INV-000001", 123.45m, "open", true), (page!.BusinessName, page.InvoiceNumber, page.AmountDue, page.Status, page.CanPay));
        Assert.Equal(first!.PaymentIntentId, second!.PaymentIntentId);
        Assert.Equal(accountId, first.StripeAccount);
        Assert.Equal("pk_test_payments", first.PublishableKey);
        var intent = await new PaymentIntentService(_payments.Emulator.Stripe).GetAsync(first.PaymentIntentId, null, new RequestOptions { StripeAccount = accountId });
        Assert.Equal(12_345, intent.Amount);
        Assert.Equal("usd", intent.Currency);
        Assert.Equal(tenant.ToString(), intent.Metadata["tenant_id"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _payments.Http.GetAsync("/api/pay/not-a-token")).StatusCode);
    }

    [Fact]
    public async Task A_pay_intent_is_refused_with_409_when_Stripe_is_not_connected()
    {
        var (_, token) = await IssueAsync(Guid.CreateVersion7(), 50m);

        using var response = await _payments.Http.PostAsync($"/api/pay/{token}/intent", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("does not accept card payments", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Webhooks_with_a_tampered_body_a_wrong_secret_a_stale_timestamp_or_no_signature_are_400_and_nothing_is_stored()
    {
        var body = $$$"""{"id":"evt_test_1","object":"event","api_version":"{{{StripeConfiguration.ApiVersion}}}","created":{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}},"data":{"object":{"id":"pi_1","object":"payment_intent","amount":100,"currency":"usd","status":"succeeded"}},"livemode":false,"pending_webhooks":1,"type":"payment_intent.succeeded","account":"acct_unknown"}""";
        var now = DateTimeOffset.UtcNow;

        async Task<HttpStatusCode> PostAsync(string content, string? signature)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(content, Encoding.UTF8, "application/json") };
            if (signature is not null)
            {
                request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
            }
            using var response = await _payments.Http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(body.Replace("100", "1", StringComparison.Ordinal), WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, now)));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(body, WebhookDispatcher.SignatureHeader("whsec_wrong", body, now)));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(body, WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, now.AddMinutes(-10))));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(body, null));
        Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(body, "t=garbage"));
        Assert.Equal(0, await StoredEventsAsync());

        Assert.Equal(HttpStatusCode.OK, await PostAsync(body, WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, now)));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(body, WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, now)));
        Assert.Equal(1, await StoredEventsAsync());
    }

    [Fact]
    public async Task Every_event_delivered_five_times_in_random_order_gives_one_payment_and_one_refund()
    {
        var tenant = Guid.CreateVersion7();
        var accountId = await ConnectAsync(tenant);
        var (invoiceId, token) = await IssueAsync(tenant, 80m);
        var intent = await (await _payments.Http.PostAsync($"/api/pay/{token}/intent", null)).Content.ReadFromJsonAsync<Intent>();
        var stripeOptions = new RequestOptions { StripeAccount = accountId };
        await Assert.ThrowsAsync<StripeException>(() => new PaymentIntentService(_payments.Emulator.Stripe).ConfirmAsync(
            intent!.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa_chargeDeclined" }, stripeOptions));
        await new PaymentIntentService(_payments.Emulator.Stripe).ConfirmAsync(
            intent!.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, stripeOptions);
        await _payments.SettledAsync();
        using var dispatcher = _payments.ClientFor(tenant, "dispatcher");
        using var refund = await dispatcher.PostAsJsonAsync($"/api/payments/{invoiceId}/refunds", new { amount = 30m });
        Assert.Equal(HttpStatusCode.Accepted, refund.StatusCode);
        await _payments.SettledAsync();

        using var redeliver = await _payments.Emulator.Http.PostAsJsonAsync("/_emulator/redeliver", new { times = 5, shuffle = true });
        redeliver.EnsureSuccessStatusCode();
        await _payments.SettledAsync();

        var payments = await _payments.InTenantAsync(tenant, db => db.Payments.ToListAsync());
        var payment = Assert.Single(payments);
        Assert.Equal((invoiceId, 80m, "USD", 30m), (payment.InvoiceId, payment.Amount, payment.Currency, payment.AmountRefunded));
        var succeeded = Assert.Single(await _payments.OutboxAsync<PaymentSucceeded>());
        Assert.Contains(intent.PaymentIntentId, succeeded.Body, StringComparison.Ordinal);
        var refunded = (PaymentRefunded)Assert.Single(await _payments.OutboxAsync<PaymentRefunded>()).ToEvent();
        Assert.Equal((invoiceId, intent.PaymentIntentId, 30m, "USD"), (refunded.InvoiceId, refunded.PaymentId, refunded.Amount, refunded.Currency));
        // The decline is published once when it is worked before the success; worked after it (the emulator's deliveries
        // can arrive in either order) it is not, since the customer has paid by then. Never twice.
        var decline = Assert.Single(await _payments.InTenantAsync(Guid.Empty, db =>
            db.StripeEvents.Where(e => e.Type == "payment_intent.payment_failed").Select(e => e.Outcome).ToListAsync()));
        Assert.Contains(decline, new[] { "failure published", "ignored: already paid" });
        Assert.Equal(decline == "failure published" ? 1 : 0, (await _payments.OutboxAsync<PaymentFailed>()).Count);
    }

    [Fact]
    public async Task A_dispute_delivered_before_its_payment_and_redelivered_publishes_PaymentDisputed_once_and_its_decision_once()
    {
        var tenant = Guid.CreateVersion7();
        var accountId = await ConnectAsync(tenant);
        var (invoiceId, token) = await IssueAsync(tenant, 80m);
        var intent = await _payments.IntentAsync(token);
        await _payments.SettledAsync();
        // Webhooks are held back while the customer pays and the cardholder disputes, then arrive dispute first.
        Assert.True(_payments.Emulator.Webhooks.RemoveEndpoint(_payments.WebhookUrl));
        var stripeOptions = new RequestOptions { StripeAccount = accountId };
        var paid = await new PaymentIntentService(_payments.Emulator.Stripe).ConfirmAsync(
            intent.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, stripeOptions);
        using var disputed = await _payments.Emulator.Http.PostAsJsonAsync("/_emulator/disputes", new { charge = paid.LatestChargeId, reason = "fraudulent" });
        var disputeId = (await disputed.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<StripeObject>())!.Id;
        _payments.Emulator.Webhooks.AddEndpoint(_payments.WebhookUrl, PaymentsHost.WebhookSecret);

        // One payment's events are worked in arrival order, so the dispute cannot wait for the success behind it: the
        // payment is read from Stripe and settled first.
        await RedeliverAsync(times: 2, types: ["charge.dispute.created"]);
        await _payments.SettledAsync();
        Assert.Single(await _payments.OutboxAsync<PaymentSucceeded>());
        Assert.Single(await _payments.OutboxAsync<PaymentDisputed>());
        await RedeliverAsync(times: 2);
        await _payments.SettledAsync();

        var message = Assert.Single(await _payments.OutboxAsync<PaymentDisputed>());
        var dispute = (PaymentDisputed)message.ToEvent();
        Assert.Equal((tenant, invoiceId, disputeId, intent.PaymentIntentId, paid.LatestChargeId), (dispute.TenantId, dispute.InvoiceId, dispute.DisputeId, dispute.PaymentId, dispute.ChargeId));
        Assert.Equal((80m, "USD", "fraudulent", "needs_response"), (dispute.Amount, dispute.Currency, dispute.Reason, dispute.Status));
        Assert.Single(await _payments.OutboxAsync<PaymentSucceeded>());
        var payment = Assert.Single(await _payments.InTenantAsync(tenant, db => db.Payments.ToListAsync()));
        Assert.True(payment.Disputed);
        Assert.Single(await _payments.InTenantAsync(tenant, db => db.Disputes.ToListAsync()));

        using var closed = await _payments.Emulator.Http.PostAsJsonAsync($"/_emulator/disputes/{disputeId}/close", new { status = "lost" });
        closed.EnsureSuccessStatusCode();
        await _payments.SettledAsync();
        await RedeliverAsync(times: 2);
        await _payments.SettledAsync();

        var decided = (PaymentDisputeClosed)Assert.Single(await _payments.OutboxAsync<PaymentDisputeClosed>()).ToEvent();
        Assert.Equal((invoiceId, disputeId, intent.PaymentIntentId, "lost", 80m, dispute.OccurredAt), (decided.InvoiceId, decided.DisputeId, decided.PaymentId, decided.Status, decided.Amount, decided.OpenedAt));
        Assert.Equal("lost", Assert.Single(await _payments.InTenantAsync(tenant, db => db.Disputes.ToListAsync())).Status);
        Assert.Single(await _payments.OutboxAsync<PaymentDisputed>());
    }

    [Fact]
    public async Task A_dispute_decision_delivered_before_the_dispute_publishes_each_once()
    {
        var tenant = Guid.CreateVersion7();
        var accountId = await ConnectAsync(tenant);
        var (invoiceId, token) = await IssueAsync(tenant, 60m);
        var intent = await _payments.IntentAsync(token);
        await _payments.SettledAsync();
        Assert.True(_payments.Emulator.Webhooks.RemoveEndpoint(_payments.WebhookUrl));
        var paid = await new PaymentIntentService(_payments.Emulator.Stripe).ConfirmAsync(
            intent.PaymentIntentId, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = accountId });
        using var disputed = await _payments.Emulator.Http.PostAsJsonAsync("/_emulator/disputes", new { charge = paid.LatestChargeId, reason = "fraudulent" });
        var disputeId = (await disputed.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<StripeObject>())!.Id;
        using var closed = await _payments.Emulator.Http.PostAsJsonAsync($"/_emulator/disputes/{disputeId}/close", new { status = "won" });
        closed.EnsureSuccessStatusCode();
        _payments.Emulator.Webhooks.AddEndpoint(_payments.WebhookUrl, PaymentsHost.WebhookSecret);

        await RedeliverAsync(times: 1, types: ["charge.dispute.closed"]);
        await _payments.SettledAsync();
        await RedeliverAsync(times: 2);
        await _payments.SettledAsync();

        var opened = (PaymentDisputed)Assert.Single(await _payments.OutboxAsync<PaymentDisputed>()).ToEvent();
        var decided = (PaymentDisputeClosed)Assert.Single(await _payments.OutboxAsync<PaymentDisputeClosed>()).ToEvent();
        Assert.Equal((invoiceId, disputeId, intent.PaymentIntentId), (opened.InvoiceId, opened.DisputeId, opened.PaymentId));
        Assert.Equal((invoiceId, disputeId, "won", 60m), (decided.InvoiceId, decided.DisputeId, decided.Status, decided.Amount));
        Assert.Equal("won", Assert.Single(await _payments.InTenantAsync(tenant, db => db.Disputes.ToListAsync())).Status);
        Assert.True(Assert.Single(await _payments.InTenantAsync(tenant, db => db.Payments.ToListAsync())).Disputed);
        Assert.Single(await _payments.OutboxAsync<PaymentSucceeded>());
    }

    private sealed record StripeObject(string Id);

    private async Task RedeliverAsync(int times, string[]? types = null)
    {
        using var response = await _payments.Emulator.Http.PostAsJsonAsync("/_emulator/redeliver", new { times, shuffle = true, types });
        response.EnsureSuccessStatusCode();
    }
}
