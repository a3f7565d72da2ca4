using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using Stripe;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>The customer's pay page: the invoice's PDF under the pay token, and the receipt once paid.</summary>
public sealed class PayPageTests : IAsyncLifetime
{
    private PaymentsHost _payments = null!;

    public async Task InitializeAsync() => _payments = await PaymentsHost.StartAsync();

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    private static InvoiceIssued Issued(Guid tenant, decimal total, string number) => new()
    {
        TenantId = tenant,
        InvoiceId = Guid.CreateVersion7(),
        Number = number,
        BusinessName = "Acme Plumbing",
        Client = new ClientContact { ClientId = Guid.CreateVersion7(), FirstName = "Dana", LastName = "Reyes", Email = "dana@example.com" },
        Lines = [new InvoiceLineSnapshot { Kind = "labor", Description = "Fix sink", Quantity = 2, UnitPrice = 40m, Amount = 80m }],
        Currency = "USD",
        Subtotal = 80m,
        Tax = total - 80m,
        Total = total,
        AmountDue = total,
        IssuedAt = DateTimeOffset.UtcNow,
        DueDate = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30)),
        PayToken = Convert.ToHexString(Guid.NewGuid().ToByteArray()),
        PayUrl = "http://127.0.0.1/pay/unused",
    };

    /// <summary>An invoice Invoicing issued and holds with the status and amount paid given, that Payments has not heard of.</summary>
    private InvoiceIssued KnownOnlyToInvoicing(Guid tenant, string number, string status, decimal amountPaid)
    {
        var issued = Issued(tenant, 86.40m, number);
        _payments.Invoicing.Issued[issued.PayToken] = new IssuedInvoiceState
        {
            Issued = issued, Status = status, AmountPaid = amountPaid, AmountDue = status == "void" ? 0m : issued.Total - amountPaid,
        };
        return issued;
    }

    /// <summary>Polls until <paramref name="done"/> holds: Invoicing's events reach Payments through RabbitMQ, a moment later.</summary>
    private static async Task EventuallyAsync(string what, Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not within 20 s: {what}.");
            }
            await Task.Delay(100);
        }
    }

    private async Task<PayView> WaitForViewAsync(string token, Func<PayView, bool> expected)
    {
        PayView? view = null;
        await EventuallyAsync($"the pay view of {token} in the expected state", async () =>
        {
            using var response = await _payments.Http.GetAsync($"/api/pay/{token}");
            view = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<PayView>() : null;
            return view is not null && expected(view);
        });
        return view!;
    }

    private Task WaitForInboxAsync(Guid eventId) => EventuallyAsync($"event {eventId} consumed",
        () => _payments.InTenantAsync(Guid.Empty, db => db.InboxMessages.AnyAsync(m => m.MessageId == eventId)));

    [Fact]
    public async Task The_pay_page_PDF_is_the_invoice_from_Invoicing_as_an_attachment_and_a_wrong_token_is_404()
    {
        var tenant = Guid.CreateVersion7();
        var issued = Issued(tenant, 86.40m, "INV-000042");
        await _payments.PublishAsync(issued);
        var view = await WaitForViewAsync(issued.PayToken, _ => true);

        using var response = await _payments.Http.GetAsync(view.PdfUrl);
        var pdf = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal($"/api/pay/{issued.PayToken}/pdf", view.PdfUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("INV-000042.pdf", response.Content.Headers.ContentDisposition?.FileNameStar);
        Assert.True(response.Headers.CacheControl is { NoStore: true, Private: true }, $"Cache-Control: {response.Headers.CacheControl}");
        Assert.StartsWith("%PDF-", Encoding.ASCII.GetString(pdf, 0, 5));
        Assert.Contains($"Invoice {issued.InvoiceId}", Encoding.ASCII.GetString(pdf));
        // Fetched from Invoicing with a service token of the invoice's tenant, made by Payments.
        var fetch = Assert.Single(_payments.Invoicing.Requests);
        Assert.Equal((issued.InvoiceId, tenant.ToString(), "service", "payments"), (fetch.InvoiceId, fetch.TenantId, fetch.Role, fetch.Subject));

        using var wrong = await _payments.Http.GetAsync($"/api/pay/{issued.PayToken}0/pdf");
        Assert.Equal(HttpStatusCode.NotFound, wrong.StatusCode);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.Single(_payments.Invoicing.Requests);

        // A voided invoice stays readable under its link (Invoicing stamps it VOID).
        await _payments.PublishAsync(new InvoiceVoided { TenantId = tenant, InvoiceId = issued.InvoiceId, Number = issued.Number });
        await WaitForViewAsync(issued.PayToken, v => v.Status == "void");
        using var voided = await _payments.Http.GetAsync(view.PdfUrl);
        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
    }

    [Fact]
    public async Task A_paid_invoice_opened_fresh_shows_the_receipt_amount_paid_date_and_card()
    {
        var tenant = Guid.CreateVersion7();
        await _payments.ConnectAsync(tenant);
        var issued = Issued(tenant, 86.40m, "INV-000043");
        await _payments.PublishAsync(issued);
        var open = await WaitForViewAsync(issued.PayToken, v => v.CanPay);

        var intent = await _payments.IntentAsync(issued.PayToken);
        await new PaymentIntentService(_payments.Emulator.Stripe).ConfirmAsync(intent.PaymentIntentId,
            new PaymentIntentConfirmOptions { PaymentMethod = "pm_card_visa" }, new RequestOptions { StripeAccount = intent.StripeAccount });
        await _payments.SettledAsync();
        // Invoicing applies the payment and publishes both; InvoicePaid may well arrive before the balance.
        var paidAt = new DateTimeOffset(2026, 11, 24, 15, 30, 0, TimeSpan.Zero);
        var balance = new InvoiceBalanceChanged { TenantId = tenant, InvoiceId = issued.InvoiceId, AmountPaid = 86.40m, AmountDue = 0m, Currency = "USD", Status = "paid" };
        await _payments.PublishAsync(new InvoicePaid { TenantId = tenant, InvoiceId = issued.InvoiceId, Number = issued.Number, AmountPaid = 86.40m, Currency = "USD", PaidAt = paidAt });
        await WaitForViewAsync(issued.PayToken, v => v.Status == "paid");
        await _payments.PublishAsync(balance);
        await WaitForInboxAsync(balance.EventId);
        var paid = await WaitForViewAsync(issued.PayToken, v => v.Status == "paid");

        Assert.Equal((80m, 6.40m, 86.40m, 0m, 86.40m, (DateTimeOffset?)null, (PayMethodView?)null),
            (open.Subtotal, open.Tax, open.Total, open.AmountPaid, open.AmountDue, open.PaidAt, open.PaymentMethod));
        Assert.Equal(("INV-000043", 86.40m, 86.40m, 0m, paidAt, false), (paid.InvoiceNumber, paid.Total, paid.AmountPaid, paid.AmountDue, paid.PaidAt, paid.CanPay));
        Assert.Equal(new PayMethodView("card", "visa", "4242"), paid.PaymentMethod);
        // The card is read from Stripe once and kept with the payment.
        var payment = await _payments.InTenantAsync(tenant, db => db.Payments.SingleAsync());
        Assert.Equal(("visa", "4242"), (payment.CardBrand, payment.CardLast4));
    }

    [Fact]
    public async Task A_pay_link_opened_before_InvoiceIssued_arrived_shows_the_invoice_as_Invoicing_has_it_and_the_late_event_changes_nothing()
    {
        var tenant = Guid.CreateVersion7();
        await _payments.ConnectAsync(tenant);
        // Issued, then 20.00 paid in cash, before Payments heard of it.
        var issued = KnownOnlyToInvoicing(tenant, "INV-000050", "open", amountPaid: 20m);

        var view = await _payments.Http.GetFromJsonAsync<PayView>($"/api/pay/{issued.PayToken}");
        var intent = await _payments.IntentAsync(issued.PayToken);

        Assert.Equal(("Acme Plumbing", "INV-000050", 86.40m, 20m, 66.40m, "open", true),
            (view!.BusinessName, view.InvoiceNumber, view.Total, view.AmountPaid, view.AmountDue, view.Status, view.CanPay));
        Assert.Equal([new PayLineView("labor", "Fix sink", 2, 40m, 80m)], view.Lines);
        Assert.Equal((66.40m, "USD"), (intent.Amount, intent.Currency.ToUpperInvariant()));
        // Asked once, by a service token that names no tenant; later requests find the invoice in Payments.
        var asked = Assert.Single(_payments.Invoicing.PayTokenRequests);
        Assert.Equal((issued.PayToken, Guid.Empty.ToString(), "service"), (asked.PayToken, asked.TenantId, asked.Role));

        // InvoiceIssued arrives after all: it is older than the balance shown, which stays.
        await _payments.PublishAsync(issued);
        await WaitForInboxAsync(issued.EventId);
        var late = await _payments.Http.GetFromJsonAsync<PayView>($"/api/pay/{issued.PayToken}");
        Assert.Equal((20m, 66.40m, "open"), (late!.AmountPaid, late.AmountDue, late.Status));

        // What happens after it is newer, and shows.
        await _payments.PublishAsync(new InvoiceBalanceChanged { TenantId = tenant, InvoiceId = issued.InvoiceId, AmountPaid = 86.40m, AmountDue = 0m, Currency = "USD", Status = "paid" });
        var paid = await WaitForViewAsync(issued.PayToken, v => v.Status == "paid");
        Assert.Equal((86.40m, 0m, false), (paid.AmountPaid, paid.AmountDue, paid.CanPay));
        Assert.Single(_payments.Invoicing.PayTokenRequests);
    }

    [Fact]
    public async Task A_pay_link_of_an_invoice_voided_before_Payments_heard_of_it_shows_it_void_and_takes_no_payment()
    {
        var tenant = Guid.CreateVersion7();
        await _payments.ConnectAsync(tenant);
        var issued = KnownOnlyToInvoicing(tenant, "INV-000051", "void", amountPaid: 0m);

        var view = await _payments.Http.GetFromJsonAsync<PayView>($"/api/pay/{issued.PayToken}");
        using var intent = await _payments.Http.PostAsync($"/api/pay/{issued.PayToken}/intent", null);

        Assert.Equal(("INV-000051", "void", 0m, false), (view!.InvoiceNumber, view.Status, view.AmountDue, view.CanPay));
        Assert.Equal(HttpStatusCode.Conflict, intent.StatusCode);
        Assert.Equal(0, await _payments.InTenantAsync(tenant, db => db.PaymentIntents.CountAsync()));
    }

    [Fact]
    public async Task A_pay_link_Payments_has_not_seen_while_Invoicing_is_down_answers_503_keeps_nothing_and_works_once_it_is_back()
    {
        var tenant = Guid.CreateVersion7();
        var issued = KnownOnlyToInvoicing(tenant, "INV-000052", "open", amountPaid: 0m);
        _payments.Invoicing.Answering = false;

        using var down = await _payments.Http.GetAsync($"/api/pay/{issued.PayToken}");
        var stored = await _payments.InTenantAsync(tenant, db => db.PayableInvoices.CountAsync());
        _payments.Invoicing.Answering = true;
        using var back = await _payments.Http.GetAsync($"/api/pay/{issued.PayToken}");
        // Not the shape of a pay token: refused without asking Invoicing.
        using var odd = await _payments.Http.GetAsync("/api/pay/not%20a%20token");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(down.Headers.RetryAfter);
        Assert.Equal(0, stored);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("INV-000052", (await back.Content.ReadFromJsonAsync<PayView>())!.InvoiceNumber);
        Assert.Equal(HttpStatusCode.NotFound, odd.StatusCode);
        Assert.DoesNotContain(_payments.Invoicing.PayTokenRequests, r => r.PayToken == "not a token");
    }
}
