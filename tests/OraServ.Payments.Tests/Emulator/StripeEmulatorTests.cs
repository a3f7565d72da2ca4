using System.Net;
using Stripe;
using Xunit;

namespace OraServ.Payments.Tests.Emulator;

/// <summary>Unmodified Stripe.net 53.1.0 against the emulator, for every call Payments makes.</summary>
public sealed class StripeEmulatorTests : IAsyncLifetime
{
    private const string Secret = "whsec_emulator_tests";
    private WebhookRecorder _hook = null!;
    private EmulatorHost _emulator = null!;

    public async Task InitializeAsync()
    {
        _hook = await WebhookRecorder.StartAsync();
        _emulator = await EmulatorHost.StartAsync($"--Emulator:WebhookUrl={_hook.Url}", $"--Emulator:WebhookSecret={Secret}");
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        await _hook.DisposeAsync();
    }

    private async Task<Account> ActiveAccountAsync()
    {
        var account = await NewAccountAsync();
        var link = await new AccountLinkService(_emulator.Stripe).CreateAsync(new AccountLinkCreateOptions
        {
            Account = account.Id, Type = "account_onboarding", RefreshUrl = "http://127.0.0.1/refresh", ReturnUrl = "http://127.0.0.1/return",
        });
        using var complete = await _emulator.Http.PostAsync(link.Url, new FormUrlEncodedContent([new("business_name", "Acme Plumbing")]));
        return await new AccountService(_emulator.Stripe).GetAsync(account.Id);
    }

    private Task<Account> NewAccountAsync(string? idempotencyKey = null) =>
        new AccountService(_emulator.Stripe).CreateAsync(new AccountCreateOptions
        {
            Controller = new AccountControllerOptions
            {
                Fees = new AccountControllerFeesOptions { Payer = "account" },
                Losses = new AccountControllerLossesOptions { Payments = "stripe" },
                RequirementCollection = "stripe",
                StripeDashboard = new AccountControllerStripeDashboardOptions { Type = "full" },
            },
            Metadata = new Dictionary<string, string> { ["tenant_id"] = "t-1" },
        }, new RequestOptions { IdempotencyKey = idempotencyKey });

    private Task<PaymentIntent> NewIntentAsync(string account, long amount = 12_345, string currency = "usd") =>
        new PaymentIntentService(_emulator.Stripe).CreateAsync(new PaymentIntentCreateOptions
        {
            Amount = amount,
            Currency = currency,
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true },
            Metadata = new Dictionary<string, string> { ["invoice_id"] = "inv-1" },
        }, new RequestOptions { StripeAccount = account });

    [Fact]
    public async Task A_new_account_has_the_controller_properties_and_cannot_charge_yet()
    {
        var account = await NewAccountAsync();

        var read = await new AccountService(_emulator.Stripe).GetAsync(account.Id);
        Assert.StartsWith("acct_", read.Id);
        Assert.Equal("account", read.Controller.Fees.Payer);
        Assert.Equal("stripe", read.Controller.Losses.Payments);
        Assert.Equal("stripe", read.Controller.RequirementCollection);
        Assert.Equal("full", read.Controller.StripeDashboard.Type);
        Assert.False(read.ChargesEnabled);
        Assert.False(read.DetailsSubmitted);
        Assert.Equal("requirements.past_due", read.Requirements.DisabledReason);
        Assert.Equal("t-1", read.Metadata["tenant_id"]);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_same_account()
    {
        var first = await NewAccountAsync("connect-tenant-1");
        var second = await NewAccountAsync("connect-tenant-1");

        Assert.Equal(first.Id, second.Id);
        var reused = await Assert.ThrowsAsync<StripeException>(() => new AccountService(_emulator.Stripe).CreateAsync(
            new AccountCreateOptions { Email = "other@example.com" }, new RequestOptions { IdempotencyKey = "connect-tenant-1" }));
        Assert.Equal("idempotency_error", reused.StripeError.Type);
    }

    [Fact]
    public async Task Onboarding_through_the_link_page_activates_the_account_and_a_used_link_goes_to_refresh_url()
    {
        var account = await NewAccountAsync();
        var link = await new AccountLinkService(_emulator.Stripe).CreateAsync(new AccountLinkCreateOptions
        {
            Account = account.Id, Type = "account_onboarding", RefreshUrl = "http://127.0.0.1:9/refresh", ReturnUrl = "http://127.0.0.1:9/return",
        });
        Assert.StartsWith(_emulator.BaseUrl + "/onboarding/", link.Url);
        Assert.True(link.ExpiresAt > DateTime.UtcNow);

        var page = await _emulator.Http.GetStringAsync(link.Url);
        Assert.Contains("Complete onboarding", page);
        using var completed = await _emulator.Http.PostAsync(link.Url, new FormUrlEncodedContent([new("business_name", "Acme Plumbing")]));
        Assert.Equal(HttpStatusCode.Redirect, completed.StatusCode);
        Assert.Equal("http://127.0.0.1:9/return", completed.Headers.Location!.ToString());

        var read = await new AccountService(_emulator.Stripe).GetAsync(account.Id);
        Assert.True(read.ChargesEnabled);
        Assert.True(read.PayoutsEnabled);
        Assert.True(read.DetailsSubmitted);
        Assert.Null(read.Requirements.DisabledReason);

        using var again = await _emulator.Http.GetAsync(link.Url);
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Equal("http://127.0.0.1:9/refresh", again.Headers.Location!.ToString());
    }

    [Fact]
    public async Task Events_are_signed_like_Stripe_and_pass_EventUtility_with_the_pinned_api_version()
    {
        var account = await ActiveAccountAsync();
        await _emulator.WebhooksDrainedAsync();

        var received = _hook.Requests.Select(r => EventUtility.ConstructEvent(r.Body, r.Signature, Secret)).ToList();
        var updated = Assert.Single(received, e => e.Type == "account.updated");
        Assert.Equal(StripeConfiguration.ApiVersion, updated.ApiVersion);
        Assert.Equal("2026-10-28.endive", updated.ApiVersion);
        Assert.Equal(account.Id, updated.Account);
        Assert.False(updated.Livemode);
        Assert.True(Assert.IsType<Account>(updated.Data.Object).ChargesEnabled);
        var wrongSecret = Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(_hook.Requests.First().Body, _hook.Requests.First().Signature, "whsec_other"));
        Assert.Contains("signature", wrongSecret.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_intent_on_the_connected_account_succeeds_with_pm_card_visa_and_is_invisible_to_the_platform()
    {
        var account = await ActiveAccountAsync();
        var intent = await NewIntentAsync(account.Id);
        Assert.Equal("requires_payment_method", intent.Status);
        Assert.StartsWith(intent.Id + "_secret_", intent.ClientSecret);
        Assert.True(intent.AutomaticPaymentMethods.Enabled);

        var confirmed = await new PaymentIntentService(_emulator.Stripe).ConfirmAsync(intent.Id,
            new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = account.Id });

        Assert.Equal("succeeded", confirmed.Status);
        Assert.Equal(12_345, confirmed.AmountReceived);
        Assert.StartsWith("ch_", confirmed.LatestChargeId);
        var platform = await Assert.ThrowsAsync<StripeException>(() => new PaymentIntentService(_emulator.Stripe).GetAsync(intent.Id));
        Assert.Equal(HttpStatusCode.NotFound, platform.HttpStatusCode);
        Assert.Equal("resource_missing", platform.StripeError.Code);

        await _emulator.WebhooksDrainedAsync();
        var succeeded = _hook.Requests.Select(r => EventUtility.ConstructEvent(r.Body, r.Signature, Secret)).Single(e => e.Type == "payment_intent.succeeded");
        Assert.Equal(account.Id, succeeded.Account);
        Assert.Equal("inv-1", Assert.IsType<PaymentIntent>(succeeded.Data.Object).Metadata["invoice_id"]);
    }

    [Fact]
    public async Task A_declined_card_leaves_the_intent_requiring_a_payment_method_with_the_decline()
    {
        var account = await ActiveAccountAsync();
        var intent = await NewIntentAsync(account.Id);
        var options = new RequestOptions { StripeAccount = account.Id };

        var declined = await Assert.ThrowsAsync<StripeException>(() => new PaymentIntentService(_emulator.Stripe).ConfirmAsync(intent.Id,
            new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa_chargeDeclined" }, options));

        Assert.Equal(HttpStatusCode.PaymentRequired, declined.HttpStatusCode);
        Assert.Equal("card_declined", declined.StripeError.Code);
        var read = await new PaymentIntentService(_emulator.Stripe).GetAsync(intent.Id, null, options);
        Assert.Equal("requires_payment_method", read.Status);
        Assert.Equal("card_declined", read.LastPaymentError.Code);
        await _emulator.WebhooksDrainedAsync();
        Assert.Contains(_hook.Requests, r => EventUtility.ConstructEvent(r.Body, r.Signature, Secret).Type == "payment_intent.payment_failed");
    }

    [Fact]
    public async Task An_intent_amount_can_be_updated_and_the_intent_canceled()
    {
        var account = await ActiveAccountAsync();
        var intent = await NewIntentAsync(account.Id);
        var service = new PaymentIntentService(_emulator.Stripe);
        var options = new RequestOptions { StripeAccount = account.Id };

        var updated = await service.UpdateAsync(intent.Id, new PaymentIntentUpdateOptions { Amount = 5_000 }, options);
        var canceled = await service.CancelAsync(intent.Id, new PaymentIntentCancelOptions(), options);

        Assert.Equal(5_000, updated.Amount);
        Assert.Equal("canceled", canceled.Status);
        var late = await Assert.ThrowsAsync<StripeException>(() => service.ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, options));
        Assert.Equal("payment_intent_unexpected_state", late.StripeError.Code);
    }

    [Fact]
    public async Task Partial_and_full_refunds_update_the_charge_and_raise_charge_refunded()
    {
        var account = await ActiveAccountAsync();
        var options = new RequestOptions { StripeAccount = account.Id };
        var intent = await NewIntentAsync(account.Id, 10_000);
        await new PaymentIntentService(_emulator.Stripe).ConfirmAsync(intent.Id, new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, options);
        var refunds = new RefundService(_emulator.Stripe);

        var partial = await refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 2_500 }, options);
        var rest = await refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id }, options);
        var tooMuch = await Assert.ThrowsAsync<StripeException>(() => refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id }, options));

        Assert.Equal(2_500, partial.Amount);
        Assert.Equal(7_500, rest.Amount);
        Assert.Equal("succeeded", rest.Status);
        Assert.Equal("charge_already_refunded", tooMuch.StripeError.Code);
        var listed = await refunds.ListAsync(new RefundListOptions { Charge = partial.ChargeId }, options);
        Assert.Equal(2, listed.Data.Count);
        await _emulator.WebhooksDrainedAsync();
        var charges = _hook.Requests.Select(r => EventUtility.ConstructEvent(r.Body, r.Signature, Secret))
            .Where(e => e.Type == "charge.refunded").Select(e => Assert.IsType<Charge>(e.Data.Object)).OrderBy(c => c.AmountRefunded).ToList();
        Assert.Equal([2_500L, 10_000L], charges.Select(c => c.AmountRefunded));
        Assert.True(charges[1].Refunded);
        Assert.Equal(intent.Id, charges[1].PaymentIntentId);
    }

    [Fact]
    public async Task Payment_method_domains_are_registered_once_per_account_and_listed()
    {
        var account = await ActiveAccountAsync();
        var options = new RequestOptions { StripeAccount = account.Id };
        var domains = new PaymentMethodDomainService(_emulator.Stripe);

        var created = await domains.CreateAsync(new PaymentMethodDomainCreateOptions { DomainName = "pay.example.com", Enabled = true }, options);
        var listed = await domains.ListAsync(new PaymentMethodDomainListOptions { DomainName = "pay.example.com" }, options);

        Assert.StartsWith("pmd_", created.Id);
        Assert.Equal("active", created.ApplePay.Status);
        Assert.Equal(created.Id, Assert.Single(listed.Data).Id);
        Assert.Empty((await domains.ListAsync(new PaymentMethodDomainListOptions(), new RequestOptions())).Data);
    }

    [Fact]
    public async Task The_test_card_form_pays_with_4242_and_declines_4000_0000_0000_0002()
    {
        var account = await ActiveAccountAsync();
        var options = new RequestOptions { StripeAccount = account.Id };
        var good = await NewIntentAsync(account.Id);
        var bad = await NewIntentAsync(account.Id);

        var form = await _emulator.Http.GetStringAsync($"/pay/{good.Id}?client_secret={good.ClientSecret}");
        Assert.Contains("Card number", form);
        using var paid = await _emulator.Http.PostAsync($"/pay/{good.Id}", new FormUrlEncodedContent(
            [new("client_secret", good.ClientSecret), new("card_number", "4242 4242 4242 4242"), new("return_url", "http://127.0.0.1:9/paid")]));
        using var declined = await _emulator.Http.PostAsync($"/pay/{bad.Id}", new FormUrlEncodedContent(
            [new("client_secret", bad.ClientSecret), new("card_number", "4000000000000002")]));
        using var wrongSecret = await _emulator.Http.GetAsync($"/pay/{good.Id}?client_secret=nope");

        Assert.Contains("redirect_status=succeeded", paid.Headers.Location!.ToString());
        Assert.Equal("succeeded", (await new PaymentIntentService(_emulator.Stripe).GetAsync(good.Id, null, options)).Status);
        var badRead = await new PaymentIntentService(_emulator.Stripe).GetAsync(bad.Id, null, options);
        Assert.Equal("requires_payment_method", badRead.Status);
        Assert.Equal("card_declined", badRead.LastPaymentError.Code);
        Assert.Equal(HttpStatusCode.NotFound, wrongSecret.StatusCode);
    }

    [Fact]
    public async Task A_failing_endpoint_gets_the_event_again_with_back_off_until_it_answers()
    {
        _hook.FailNext(3);
        await ActiveAccountAsync();
        await _emulator.WebhooksDrainedAsync();

        var deliveries = _emulator.Webhooks.Deliveries.Where(d => d.EventType == "account.updated").OrderBy(d => d.Attempt).ToList();
        Assert.Equal([500, 500, 500, 200], deliveries.Select(d => d.Status ?? 0));
        Assert.True(deliveries[3].At - deliveries[2].At > deliveries[1].At - deliveries[0].At);
    }

    [Fact]
    public async Task Redelivery_sends_every_event_the_asked_number_of_times()
    {
        await ActiveAccountAsync();
        await _emulator.WebhooksDrainedAsync();
        var before = _hook.Requests.Count;

        using var response = await _emulator.Http.PostAsync("/_emulator/redeliver",
            System.Net.Http.Json.JsonContent.Create(new { times = 3, shuffle = true, types = new[] { "account.updated" } }));
        response.EnsureSuccessStatusCode();
        await _emulator.WebhooksDrainedAsync();

        Assert.Equal(3, _hook.Requests.Count - before);
        Assert.All(_hook.Requests.Skip(before), r => Assert.Equal("account.updated", EventUtility.ConstructEvent(r.Body, r.Signature, Secret).Type));
    }

    [Fact]
    public async Task A_key_that_is_not_sk_test_is_refused_in_Stripe_error_shape()
    {
        var client = new StripeClient(new StripeClientOptions { ApiKey = "sk_live_nope", ApiBase = _emulator.BaseUrl });

        var refused = await Assert.ThrowsAsync<StripeException>(() => new AccountService(client).GetAsync("acct_1"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.HttpStatusCode);
        Assert.Equal("invalid_request_error", refused.StripeError.Type);
    }
}
