using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Payments;
using OraServ.ServiceDefaults;
using OraServ.Testing;
using Stripe;
using Xunit.Abstractions;

namespace OraServ.FunctionalTests;

/// <summary>
/// Bad input on every operation of every service's OpenAPI document (<see cref="BadInputSweep"/>), sent as the owner of
/// a tenant that has a client, a job, an invoice and a card payment of it, or without a token on the public routes:
/// wrong JSON types, malformed and deep JSON, bodies over 1 MB, NUL and lone surrogates, injection strings, negative,
/// zero, finer than a cent and enormous amounts, impossible dates, invalid ids. Never a 5xx; every 4xx is problem
/// details (a 400 about a field names it); a request refused writes nothing in the service's database.
/// </summary>
[Collection(MoneyPathCollection.Name)]
public sealed class BadInputSweepTests(MoneyPathFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const decimal PaidByCard = 100m;
    /// <summary>
    /// What the delivery worker writes on a message while it sends it: an invoice resent by an accepted case is claimed
    /// and tried after its 202, during the cases that follow it.
    /// </summary>
    private static readonly string[] DeliveryBookkeeping =
        ["messages.Status", "messages.Attempts", "messages.NextAttemptAt", "messages.LastError", "messages.SentAt", "messages.ProviderId", "messages.FailureReason"];
    private readonly SweptServices _services = new(fixture);

    public Task InitializeAsync() => _services.InitializeAsync();

    public Task DisposeAsync() => _services.DisposeAsync();

    [Fact]
    public async Task Bad_input_on_every_route_of_the_OpenAPI_documents_answers_4xx_problem_details_and_writes_nothing()
    {
        var tenant = Guid.CreateVersion7();
        var ids = await TenantWithDataAsync(tenant);
        var started = DateTime.UtcNow;
        var apis = new List<SweptApi>();
        foreach (var service in _services.All())
        {
            using var anonymous = service.Client();
            var cases = await BadInputSweep.CasesAsync(anonymous, service.Provider, ids);
            Assert.True(cases.Count > 0, $"{service.Name}: no operation to sweep in its OpenAPI document");
            var connectionString = service.Provider.GetRequiredService<IConfiguration>().GetConnectionString(service.Database)!;
            var snapshot = await DatabaseSnapshot.OpenAsync(connectionString, tenant, service.Name == "notifications" ? DeliveryBookkeeping : []);
            apis.Add(new SweptApi(service.Name, service.Client, TestTokens.For(tenant, Roles.Owner), snapshot, cases));
        }
        var moneyCases = apis.SelectMany(a => a.Cases).Where(c => c.Field is { } f && (BadInputCases.IsAmount(f) || BadInputCases.IsPrice(f))).ToList();

        var (sent, findings) = await BadInputSweep.RunAsync(apis);

        findings.ForEach(output.WriteLine);
        output.WriteLine($"{sent} bad requests ({moneyCases.Count} on money fields) in {(DateTime.UtcNow - started).TotalSeconds:F0} s, {findings.Count} findings");
        Assert.True(sent >= 500, $"only {sent} bad requests generated");
        Assert.Contains(moneyCases, c => c.Path.EndsWith("/refunds", StringComparison.Ordinal) && c.Input == "negative");
        Assert.Contains(moneyCases, c => c.Path.EndsWith("/payments", StringComparison.Ordinal) && c.Input == "enormous");
        Assert.Contains(moneyCases, c => c.Field == "unitPrice" && c.Input == "a billion");
        Assert.True(findings.Count == 0, string.Join("\n", findings.Take(200)));
    }

    [Theory]
    [InlineData("-1", "negative")]
    [InlineData("-0.01", "a negative cent")]
    [InlineData("0", "zero")]
    [InlineData("0.001", "a tenth of a cent")]
    [InlineData("100.01", "a cent more than was paid")]
    [InlineData("1000000000000", "a trillion")]
    [InlineData("79228162514264337593543950335", "the largest decimal")]
    [InlineData("1e400", "beyond any number")]
    [InlineData("\"50\"", "a string")]
    [InlineData("true", "a boolean")]
    [InlineData("[50]", "an array")]
    public async Task A_refund_of_an_amount_that_cannot_be_refunded_answers_400_naming_amount_and_writes_nothing(string amount, string what)
    {
        var tenant = Guid.CreateVersion7();
        var ids = await TenantWithDataAsync(tenant);
        var snapshot = await PaymentsSnapshotAsync(tenant);
        var before = await snapshot.TakeAsync();
        using var dispatcher = _services.Payments.ClientFor(tenant, Roles.Dispatcher);

        using var response = await dispatcher.PostAsync($"/api/payments/{ids["invoice"]}/refunds",
            new StringContent($"{{\"amount\":{amount}}}", Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.NotNull(problem!["errors"]!["amount"]);
        Assert.Equal(before, await snapshot.TakeAsync());
    }

    [Fact]
    public async Task After_a_partial_refund_only_what_is_left_can_be_refunded()
    {
        var tenant = Guid.CreateVersion7();
        var ids = await TenantWithDataAsync(tenant);
        using var dispatcher = _services.Payments.ClientFor(tenant, Roles.Dispatcher);
        var refunds = $"/api/payments/{ids["invoice"]}/refunds";

        using var first = await dispatcher.PostAsJsonAsync(refunds, new { amount = 30m });
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var snapshot = await PaymentsSnapshotAsync(tenant);
        var before = await snapshot.TakeAsync();

        using var tooMuch = await dispatcher.PostAsJsonAsync(refunds, new { amount = 70.01m });
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Contains("at most 70", (await tooMuch.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["amount"]![0]!.GetValue<string>());
        Assert.Equal(before, await snapshot.TakeAsync());

        using var rest = await dispatcher.PostAsJsonAsync(refunds, new { amount = 70m });
        Assert.Equal(HttpStatusCode.Accepted, rest.StatusCode);
    }

    /// <summary>A client, a completed job, its draft invoice paid by card (100 USD) and the tenant's automation rule: ids that exist.</summary>
    private async Task<Dictionary<string, Guid>> TenantWithDataAsync(Guid tenant)
    {
        var jobId = await fixture.CompletedJobAsync(tenant);
        var job = await fixture.Jobs.ClientFor(tenant).GetFromJsonAsync<JsonObject>($"/api/jobs/{jobId}");
        var invoice = await (await fixture.Invoicing.ClientFor(tenant).PostAsJsonAsync("/api/invoices", new { jobId }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>();
        var rules = await _services.Automation.ClientFor(tenant).GetFromJsonAsync<JsonArray>("/api/automations/");
        var invoiceId = invoice!["id"]!.GetValue<Guid>();
        await PaidByCardAsync(tenant, invoiceId);
        return new Dictionary<string, Guid>(StringComparer.OrdinalIgnoreCase)
        {
            ["job"] = jobId,
            ["client"] = job!["clientId"]!.GetValue<Guid>(),
            ["invoice"] = invoiceId,
            ["automation"] = rules![0]!["id"]!.GetValue<Guid>(),
        };
    }

    /// <summary>
    /// The owner connects Stripe on the emulator's onboarding page and the customer pays 100 USD by card on the connected
    /// account; the payment is recorded as the payment_intent.succeeded webhook leaves it, so that refunds reach Stripe.
    /// </summary>
    private async Task PaidByCardAsync(Guid tenant, Guid invoiceId)
    {
        using var owner = _services.Payments.ClientFor(tenant);
        var connect = await (await owner.PostAsync("/api/payments/stripe/connect", null)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<ConnectView>();
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var onboarded = await browser.PostAsync(connect!.OnboardingUrl, new FormUrlEncodedContent([new("business_name", "Acme Plumbing")]));
        Assert.Equal(HttpStatusCode.Redirect, onboarded.StatusCode);
        var account = await _services.Payments.InTenantAsync(tenant, db => db.ConnectedAccounts.SingleAsync());

        var stripe = new StripeClient(new StripeClientOptions { ApiKey = SweptServices.StripeKey, ApiBase = _services.EmulatorUrl });
        var intent = await new PaymentIntentService(stripe).CreateAsync(
            new PaymentIntentCreateOptions { Amount = (long)(PaidByCard * 100), Currency = "usd", PaymentMethod = "pm_card_visa", Confirm = true },
            new RequestOptions { StripeAccount = account.StripeAccountId });
        Assert.Equal("succeeded", intent.Status);
        await _services.Payments.InTenantAsync(tenant, db =>
        {
            db.Payments.Add(new Payment
            {
                TenantId = tenant, InvoiceId = invoiceId, StripePaymentIntentId = intent.Id, StripeChargeId = intent.LatestChargeId,
                Amount = PaidByCard, Currency = "USD", Method = "card", PaidAt = DateTimeOffset.UtcNow,
            });
            return db.SaveChangesAsync();
        });
    }

    private Task<DatabaseSnapshot> PaymentsSnapshotAsync(Guid tenant) => DatabaseSnapshot.OpenAsync(
        _services.Payments.Services.GetRequiredService<IConfiguration>().GetConnectionString(OraServ.Contracts.ResourceNames.PaymentsDb)!, tenant);
}
