using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Invoicing;
using OraServ.Payments;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.FunctionalTests;

/// <summary>
/// A customer may open the pay link in the invoice email before InvoiceIssued reaches Payments (the email travels on the
/// same event through Notifications). Here Payments' broker does not answer, so no event ever reaches it: what its pay
/// page shows it asks of the real Invoicing, by the pay token.
/// </summary>
[Collection(MoneyPathCollection.Name)]
public sealed class PayLinkTests(MoneyPathFixture fixture) : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = ApiDefaultsExtensions.Json;
    private ServiceFactory<PaymentsDbContext> _payments = null!;

    public async Task InitializeAsync()
    {
        _payments = new ServiceFactory<PaymentsDbContext>(fixture.Servers, ResourceNames.PaymentsDb,
            services => services.AddHttpClient<IssuedInvoices>().ConfigurePrimaryHttpMessageHandler(() => fixture.Invoicing.Server.CreateHandler()),
            new Dictionary<string, string>
            {
                // Nothing listens there: no event reaches this Payments.
                [$"ConnectionStrings:{ResourceNames.Messaging}"] = $"amqp://guest:guest@127.0.0.1:{ServerProcess.FreePort()}",
                ["Stripe:SecretKey"] = "sk_test_paylink",
                ["Stripe:PublishableKey"] = "pk_test_paylink",
                ["Stripe:WebhookSecrets:0"] = "whsec_paylink",
                ["Stripe:ApiBase"] = $"http://127.0.0.1:{ServerProcess.FreePort()}",
                ["Payments:ReconcileInterval"] = "01:00:00",
            });
        await _payments.MigrateAsync();
    }

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    private async Task<InvoiceResponse> SentAsync(HttpClient invoicing, Guid tenant)
    {
        var jobId = await fixture.CompletedJobAsync(tenant);
        var draft = await (await invoicing.PostAsJsonAsync("/api/invoices", new { jobId })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        return (await (await invoicing.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_15" })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<InvoiceResponse>(Json))!;
    }

    private static string Token(InvoiceResponse invoice) => invoice.PayUrl!.Split('/')[^1];

    /// <summary>A token of the shape Invoicing makes, that no invoice has.</summary>
    private static string MadeUpToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_pay_link_shows_the_invoice_the_moment_it_is_sent_with_what_was_paid_since_even_before_Payments_hears_of_it()
    {
        var tenant = Guid.CreateVersion7();
        var invoicing = fixture.Invoicing.ClientFor(tenant, Roles.Dispatcher);
        var sent = await SentAsync(invoicing, tenant);
        using var customer = _payments.CreateClient();

        var view = await customer.GetFromJsonAsync<PayView>($"/api/pay/{Token(sent)}", Json);
        (await invoicing.PostAsJsonAsync($"/api/invoices/{sent.Id}/payments", new { amount = 100m, method = "cash" })).EnsureSuccessStatusCode();
        var partlyPaid = await SentAsync(invoicing, tenant);
        (await invoicing.PostAsJsonAsync($"/api/invoices/{partlyPaid.Id}/payments", new { amount = 100m, method = "check", reference = "1042" })).EnsureSuccessStatusCode();
        var partial = await customer.GetFromJsonAsync<PayView>($"/api/pay/{Token(partlyPaid)}", Json);

        Assert.Equal(("Acme Plumbing", sent.Number, sent.Total, 0m, sent.Total, sent.DueDate, "open"),
            (view!.BusinessName, view.InvoiceNumber, view.Total, view.AmountPaid, view.AmountDue, (DateOnly?)view.DueDate, view.Status));
        Assert.Equal(sent.Lines.Select(l => (l.Kind, l.Description, l.Quantity, l.UnitPrice, l.Amount)),
            view.Lines.Select(l => (l.Kind, l.Description, l.Quantity, l.UnitPrice, l.Amount)));
        Assert.Equal((sent.Subtotal, sent.Tax), (view.Subtotal, view.Tax));
        Assert.Equal((partlyPaid.Number, 100m, partlyPaid.Total - 100m, "open"), (partial!.InvoiceNumber, partial.AmountPaid, partial.AmountDue, partial.Status));
    }

    [Fact]
    public async Task A_pay_link_of_an_invoice_voided_before_Payments_heard_of_it_shows_it_void_and_a_made_up_token_is_not_found()
    {
        var tenant = Guid.CreateVersion7();
        var invoicing = fixture.Invoicing.ClientFor(tenant, Roles.Dispatcher);
        var sent = await SentAsync(invoicing, tenant);
        (await invoicing.PostAsync($"/api/invoices/{sent.Id}/void", null)).EnsureSuccessStatusCode();
        using var customer = _payments.CreateClient();

        var view = await customer.GetFromJsonAsync<PayView>($"/api/pay/{Token(sent)}", Json);
        using var intent = await customer.PostAsync($"/api/pay/{Token(sent)}/intent", null);
        using var madeUp = await customer.GetAsync($"/api/pay/{MadeUpToken()}");

        Assert.Equal((sent.Number, "void", 0m, false), (view!.InvoiceNumber, view.Status, view.AmountDue, view.CanPay));
        Assert.Equal(HttpStatusCode.Conflict, intent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, madeUp.StatusCode);
    }

    [Fact]
    public async Task Invoicing_answers_an_invoice_by_its_pay_token_to_a_service_only()
    {
        var tenant = Guid.CreateVersion7();
        var sent = await SentAsync(fixture.Invoicing.ClientFor(tenant, Roles.Dispatcher), tenant);
        var route = IssuedInvoiceState.Route(Token(sent));

        using var anonymous = fixture.Invoicing.CreateClient();
        using var owner = fixture.Invoicing.ClientFor(tenant, Roles.Owner);
        using var service = fixture.Invoicing.CreateClient();
        service.DefaultRequestHeaders.Authorization = new("Bearer", ServiceTokens.CreateForNoTenant(
            new TokenSettings { SigningKey = TestTokens.SigningKey }, ResourceNames.Payments, TimeProvider.System));

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(route)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await owner.GetAsync(route)).StatusCode);
        var state = await service.GetFromJsonAsync<IssuedInvoiceState>(route, Json);
        Assert.Equal((sent.Id, tenant, sent.Number, sent.Total, "open", sent.Total), (state!.Issued.InvoiceId, state.Issued.TenantId, state.Issued.Number, state.Issued.Total, state.Status, state.AmountDue));
        Assert.Equal(HttpStatusCode.NotFound, (await service.GetAsync(IssuedInvoiceState.Route(MadeUpToken()))).StatusCode);
    }
}
