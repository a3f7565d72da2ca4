using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

public sealed record ConnectView(string OnboardingUrl);

public sealed record AccountView(string Status, string? AccountId, bool ChargesEnabled, bool PayoutsEnabled);

public sealed record PayLineView(string Kind, string Description, decimal Quantity, decimal UnitPrice, decimal Amount);

/// <summary>How an invoice was paid: type "card" with the card's brand (visa, mastercard, ...) and last four digits when known.</summary>
public sealed record PayMethodView(string Type, string? Brand, string? Last4);

/// <summary>
/// What the public pay page shows, and once paid its receipt (the receipt number is the invoice number).
/// PdfUrl is the invoice's PDF under the same pay token.
/// </summary>
public sealed record PayView(
    string BusinessName, string InvoiceNumber, IReadOnlyList<PayLineView> Lines, decimal Subtotal, decimal Tax, decimal Total,
    decimal AmountPaid, decimal AmountDue, string Currency, DateOnly DueDate, string Status, bool CanPay,
    DateTimeOffset? PaidAt, PayMethodView? PaymentMethod, string PdfUrl);

/// <summary>What the pay page needs to confirm the intent with Stripe.js on the connected account.</summary>
public sealed record IntentView(string ClientSecret, string PaymentIntentId, string PublishableKey, string StripeAccount, decimal Amount, string Currency, string? TestCardFormUrl);

public sealed record RefundRequest(decimal? Amount, string? Reason);

public sealed record RefundView(string RefundId, Guid InvoiceId, decimal Amount, string Currency, string Status);

public static class PaymentsApi
{
    public static RouteGroupBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("").WithTags("Payments");

        api.MapPost("/api/payments/stripe/connect", Connect).RequireAuthorization(Roles.OwnerPolicy)
            .WithName("ConnectStripe").WithSummary("Creates the tenant's Stripe account once and returns a fresh onboarding link.");
        api.MapGet("/api/payments/stripe/account", GetAccount).RequireAuthorization(Roles.DispatcherPolicy)
            .WithName("GetStripeAccount").WithSummary("The tenant's Stripe account status.");
        api.MapGet("/api/payments/stripe/refresh", RefreshLink).AllowAnonymous()
            .WithName("StripeOnboardingRefresh").WithSummary("Stripe's refresh_url: a new onboarding link for an expired one.");
        api.MapGet("/api/payments/stripe/return", ReturnFromOnboarding).AllowAnonymous()
            .WithName("StripeOnboardingReturn").WithSummary("Stripe's return_url: re-reads the account and goes back to settings.");

        api.MapGet("/api/pay/{token}", GetPayPage).AllowAnonymous()
            .WithName("GetPayPage").WithSummary("Public: what the pay page shows.");
        api.MapGet("/api/pay/{token}/pdf", GetPayPdf).AllowAnonymous()
            .WithName("GetPayPdf").WithSummary("Public: the invoice as a PDF, to download from the pay page.")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf");
        api.MapPost("/api/pay/{token}/intent", CreateIntent).AllowAnonymous()
            .WithName("CreatePayIntent").WithSummary("Public: the PaymentIntent for the amount due, on the business's Stripe account.");

        api.MapPost("/api/payments/{invoiceId:guid}/refunds", CreateRefund).RequireAuthorization(Roles.DispatcherPolicy)
            .WithName("RefundPayment").WithSummary("Refunds a payment of the invoice, fully or in part, through Stripe.");

        api.MapPost("/webhooks/stripe", ReceiveWebhook).AllowAnonymous().DisableAntiforgery()
            .WithName("StripeWebhook").WithSummary("Stripe webhooks, platform and Connect; Stripe-Signature verified.");
        return api;
    }

    public static async Task<Ok<ConnectView>> Connect(StripeConnect connect, HttpRequest request, CancellationToken ct) =>
        TypedResults.Ok(new ConnectView(await connect.StartOnboardingAsync(Origin(request), ct)));

    public static async Task<Ok<AccountView>> GetAccount(PaymentsDbContext db, CancellationToken ct)
    {
        var account = await db.ConnectedAccounts.AsNoTracking().SingleOrDefaultAsync(ct);
        return TypedResults.Ok(account is null
            ? new AccountView(AccountStatus.NotConnected, null, false, false)
            : new AccountView(account.Status, account.StripeAccountId, account.ChargesEnabled, account.PayoutsEnabled));
    }

    public static async Task<Results<RedirectHttpResult, NotFound>> RefreshLink(string? state, StripeConnect connect, HttpRequest request, CancellationToken ct)
    {
        if (await connect.FindByStateAsync(state, ct) is not { } account)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Redirect(await connect.NewOnboardingLinkAsync(account, Origin(request), ct));
    }

    public static async Task<Results<RedirectHttpResult, NotFound>> ReturnFromOnboarding(
        string? state, StripeConnect connect, IOptions<PaymentsSettings> settings, HttpRequest request, CancellationToken ct)
    {
        if (await connect.FindByStateAsync(state, ct) is not { } account)
        {
            return TypedResults.NotFound();
        }
        await connect.RefreshStatusAsync(account, ct);
        var origin = (settings.Value.PublicBaseUrl ?? Origin(request)).TrimEnd('/');
        return TypedResults.Redirect($"{origin}{settings.Value.SettingsPath}?stripe={account.Status}");
    }

    public static async Task<Results<Ok<PayView>, NotFound>> GetPayPage(
        string token, PayIntents pay, PayDocuments documents, PaymentsDbContext db, CancellationToken ct)
    {
        if (await pay.FindAsync(token, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        var account = await db.ConnectedAccounts.AsNoTracking().SingleOrDefaultAsync(ct);
        var status = pay.DisplayStatus(invoice);
        var method = status == InvoiceStatus.Paid ? await documents.PaymentMethodAsync(invoice, ct) : null;
        return TypedResults.Ok(new PayView(
            invoice.BusinessName, invoice.Number,
            invoice.Lines.Select(l => new PayLineView(l.Kind, l.Description, l.Quantity, l.UnitPrice, l.Amount)).ToList(),
            invoice.Subtotal, invoice.Tax, invoice.Total, invoice.AmountPaid, invoice.AmountDue, invoice.Currency, invoice.DueDate, status,
            CanPay: status is InvoiceStatus.Open or InvoiceStatus.Overdue && invoice.AmountDue > 0 && account?.Status == AccountStatus.Active,
            invoice.PaidAt, method, PdfUrl: $"/api/pay/{Uri.EscapeDataString(token)}/pdf"));
    }

    /// <summary>The pay token is the credential: anyone holding the link may read the invoice, void ones included (stamped VOID).</summary>
    public static async Task<Results<FileContentHttpResult, NotFound, ProblemHttpResult>> GetPayPdf(
        string token, PayIntents pay, PayDocuments documents, HttpResponse response, CancellationToken ct)
    {
        if (await pay.FindAsync(token, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        byte[] pdf;
        try
        {
            pdf = await documents.PdfAsync(invoice, ct);
        }
        catch (InvoicePdfUnavailableException ex) when (ex.Permanent)
        {
            return TypedResults.NotFound();
        }
        catch (InvoicePdfUnavailableException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The PDF is not available right now", detail: "Please try again in a moment.");
        }
        // The address carries the pay token: no shared cache may keep the document.
        response.Headers.CacheControl = "private, no-store";
        return TypedResults.File(pdf, "application/pdf", $"{invoice.Number}.pdf");
    }

    public static async Task<Results<Ok<IntentView>, NotFound>> CreateIntent(string token, PayIntents pay, IOptions<StripeSettings> stripe, CancellationToken ct)
    {
        if (await pay.FindAsync(token, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        var intent = await pay.IntentForAsync(invoice, ct);
        return TypedResults.Ok(new IntentView(intent.ClientSecret, intent.StripePaymentIntentId, stripe.Value.PublishableKey,
            intent.StripeAccountId, intent.Amount, intent.Currency, stripe.Value.TestCardFormUrl(intent.StripePaymentIntentId, intent.ClientSecret)));
    }

    public static async Task<Results<Accepted<RefundView>, NotFound>> CreateRefund(
        Guid invoiceId, RefundRequest request, PaymentsDbContext db, IStripeClient stripe, TimeProvider time, HttpRequest http, CancellationToken ct)
    {
        var payments = await db.Payments.Where(p => p.InvoiceId == invoiceId).OrderByDescending(p => p.PaidAt).ToListAsync(ct);
        if (payments.Count == 0)
        {
            return TypedResults.NotFound();
        }
        var payment = payments.FirstOrDefault(p => p.Amount > p.AmountRefunded)
            ?? throw new ConflictException("Every payment of this invoice has been refunded.");
        var pending = await db.Refunds.Where(r => r.StripePaymentIntentId == payment.StripePaymentIntentId && r.SettledAt == null).SumAsync(r => r.Amount, ct);
        var refundable = payment.Amount - payment.AmountRefunded - pending;
        var amount = request.Amount ?? refundable;
        if (amount <= 0 || amount > refundable || Money.Round(amount, payment.Currency) != amount)
        {
            throw new FieldException("amount", $"The amount must be more than 0 and at most {refundable} {payment.Currency}, in the currency's minor units.");
        }
        if (request.Reason is not (null or "duplicate" or "fraudulent" or "requested_by_customer"))
        {
            throw new FieldException("reason", "The reason is duplicate, fraudulent or requested_by_customer.");
        }
        var minor = Money.ToMinorUnits(amount, payment.Currency);
        var account = await db.ConnectedAccounts.SingleAsync(ct);
        var key = http.Headers["Idempotency-Key"].ToString() is { Length: > 0 } given ? $"refund-{invoiceId}-{given}" : $"refund-{Guid.CreateVersion7()}";
        var created = await new RefundService(stripe).CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = payment.StripePaymentIntentId,
            Amount = minor,
            Reason = request.Reason,
            Metadata = new Dictionary<string, string> { ["invoice_id"] = invoiceId.ToString() },
        }, new RequestOptions { StripeAccount = account.StripeAccountId, IdempotencyKey = key }, ct);

        // Recorded as requested; charge.refunded confirms it and publishes PaymentRefunded.
        if (!await db.Refunds.AnyAsync(r => r.StripeRefundId == created.Id, ct))
        {
            db.Refunds.Add(new Refund
            {
                TenantId = payment.TenantId,
                InvoiceId = invoiceId,
                StripeRefundId = created.Id,
                StripePaymentIntentId = payment.StripePaymentIntentId,
                Amount = amount,
                Currency = payment.Currency,
                Status = created.Status,
                CreatedAt = time.GetUtcNow(),
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException ex) when (ex.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
            {
                // charge.refunded got here first (Stripe sends it at once) and its processing recorded the same refund.
            }
        }
        return TypedResults.Accepted($"/api/payments/{invoiceId}/refunds/{created.Id}",
            new RefundView(created.Id, invoiceId, amount, payment.Currency, created.Status));
    }

    public static async Task<Results<Ok, ProblemHttpResult>> ReceiveWebhook(HttpRequest request, StripeWebhookIngest ingest, CancellationToken ct) =>
        await ingest.ReceiveAsync(request, ct) == StripeWebhookIngest.Outcome.Rejected
            ? TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid Stripe-Signature.")
            : TypedResults.Ok();

    private static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host}";
}
