using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace OraServ.EndToEndTests;

/// <summary>The whole money path through the gateway, as a business and its customer live it, on the real app host.</summary>
[Collection(AppHostCollection.Name)]
public sealed partial class MoneyPathTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Register_connect_Stripe_invoice_a_completed_job_pay_it_and_the_webhook_marks_it_paid()
    {
        var api = fixture.Gateway;
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        await Expect(HttpStatusCode.Created, await api.PostAsJsonAsync("/api/account/register", new { businessName = "Reyes Plumbing & Heating", email, password = "correct-horse-42" }));
        var login = await Read(await api.PostAsJsonAsync("/api/account/login", new { email, password = "correct-horse-42" }));
        using var owner = new HttpClient { BaseAddress = api.BaseAddress };
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", login.GetProperty("accessToken").GetString());

        // Settings -> Integrations -> Connect Stripe, through the onboarding page.
        var onboarding = (await Read(await owner.PostAsync("/api/payments/stripe/connect", null))).GetProperty("onboardingUrl").GetString()!;
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        await Expect(HttpStatusCode.OK, await browser.GetAsync(onboarding));
        var completed = await browser.PostAsync(onboarding, new FormUrlEncodedContent([]));
        Assert.True(completed.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther, completed.StatusCode.ToString());
        var back = await browser.GetAsync(completed.Headers.Location);
        Assert.Contains("/settings/integrations", back.Headers.Location!.ToString(), StringComparison.Ordinal);
        var account = await Read(await owner.GetAsync("/api/payments/stripe/account"));
        Assert.Equal("active", account.GetProperty("status").GetString());

        // A client, a job, completed in the field; "Invoice Job"; Send.
        var client = await Read(await owner.PostAsJsonAsync("/api/clients", new { firstName = "Dana", lastName = "Reyes", email = "dana@example.com", phone = "+15551234567", address = "12 Elm St" }));
        var job = await Read(await owner.PostAsJsonAsync("/api/jobs", new
        {
            clientId = client.GetProperty("id").GetGuid(),
            title = "Water heater swap",
            lineItems = new object[]
            {
                new { kind = "labor", description = "Install", quantity = 2m, unitPrice = 95m },
                new { kind = "material", description = "40 gal heater", quantity = 1m, unitPrice = 610.5m },
            },
        }));
        var jobId = job.GetProperty("id").GetGuid();
        Assert.Equal("completed", (await Read(await owner.PostAsJsonAsync($"/api/jobs/{jobId}/complete", new { }))).GetProperty("status").GetString());
        var draft = await Read(await owner.PostAsJsonAsync("/api/invoices", new { jobId }));
        var invoiceId = draft.GetProperty("id").GetGuid();
        Assert.Equal(800.5m, draft.GetProperty("total").GetDecimal());
        var sent = await Read(await owner.PostAsJsonAsync($"/api/invoices/{invoiceId}/send", new { terms = "net_15" }));
        Assert.Equal("INV-000001", sent.GetProperty("number").GetString());
        var token = PayToken().Match(sent.GetProperty("payUrl").GetString()!).Groups[1].Value;

        // The customer gets the email with the Pay Now link, caught by the SMTP catcher of the local run (smtp4dev).
        var mail = await Eventually(async () => await browser.GetAsync(new Uri(fixture.MailInbox, "/api/messages")),
            async r => (await r.Content.ReadAsStringAsync()).Contains("INV-000001", StringComparison.Ordinal));
        var messageId = (await Read(mail)).GetProperty("results").EnumerateArray()
            .First(m => m.GetProperty("subject").GetString()!.Contains("INV-000001", StringComparison.Ordinal)).GetProperty("id").GetString();
        var html = await browser.GetStringAsync(new Uri(fixture.MailInbox, $"/api/messages/{messageId}/html"));
        Assert.Contains(sent.GetProperty("payUrl").GetString()!, html, StringComparison.Ordinal);

        // The customer opens the pay link (the pay page's data arrives with InvoiceIssued) and pays by card.
        var page = await Eventually(async () => await api.GetAsync($"/api/pay/{token}"), r => r.StatusCode == HttpStatusCode.OK);
        var pay = await Read(page);
        Assert.Equal("INV-000001", pay.GetProperty("invoiceNumber").GetString());
        Assert.Equal("Reyes Plumbing & Heating", pay.GetProperty("businessName").GetString());
        Assert.Equal(800.5m, pay.GetProperty("amountDue").GetDecimal());
        var intent = await Read(await api.PostAsync($"/api/pay/{token}/intent", null));
        var paymentIntentId = intent.GetProperty("paymentIntentId").GetString()!;
        var clientSecret = intent.GetProperty("clientSecret").GetString()!;
        var paid = await browser.PostAsync(new Uri(fixture.StripeEmulator, $"/pay/{paymentIntentId}"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_secret"] = clientSecret,
            ["card_number"] = "4242 4242 4242 4242",
            ["exp"] = "12 / 34",
            ["cvc"] = "123",
        }));
        Assert.Equal(HttpStatusCode.Redirect, paid.StatusCode);
        var receipt = await (await browser.GetAsync(new Uri(fixture.StripeEmulator, paid.Headers.Location!))).Content.ReadAsStringAsync();
        Assert.Contains("succeeded", receipt, StringComparison.Ordinal);

        // Stripe's signed webhook -> Payments -> PaymentSucceeded -> Invoicing: the invoice reads paid.
        var final = await Eventually(async () => await owner.GetAsync($"/api/invoices/{invoiceId}"),
            async r => (await Read(r)).GetProperty("status").GetString() == "paid");
        var invoice = await Read(final);
        Assert.Equal(0m, invoice.GetProperty("amountDue").GetDecimal());
        Assert.Equal(800.5m, invoice.GetProperty("amountPaid").GetDecimal());
    }

    private static async Task<JsonElement> Read(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task Expect(HttpStatusCode status, HttpResponseMessage response) =>
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}");

    private static Task<HttpResponseMessage> Eventually(Func<Task<HttpResponseMessage>> call, Func<HttpResponseMessage, bool> done) =>
        Eventually(call, r => Task.FromResult(done(r)));

    private static async Task<HttpResponseMessage> Eventually(Func<Task<HttpResponseMessage>> call, Func<HttpResponseMessage, Task<bool>> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var response = await call();
            if (await done(response))
            {
                return await call();
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
            await Task.Delay(250);
        }
    }

    [GeneratedRegex("/pay/([A-Za-z0-9_-]+)$")]
    private static partial Regex PayToken();
}
