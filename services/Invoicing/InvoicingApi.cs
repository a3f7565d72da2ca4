using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Invoicing.Pdf;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public sealed record InvoiceJobRequest(Guid? JobId);
public sealed record SendInvoiceRequest(string? Terms, DateOnly? DueDate);
public sealed record InvoiceLineRequest(string? Kind, string? Description, decimal? Quantity, decimal? UnitPrice, bool? Taxable);
public sealed record EditInvoiceRequest(IReadOnlyList<InvoiceLineRequest>? Lines, string? Notes, string? Terms, DateOnly? DueDate);
public sealed record ManualPaymentRequest(decimal? Amount, string? Method, string? Reference);
public sealed record SettingsRequest(string? BusinessName, string? BusinessAddress, string? BusinessEmail, string? BusinessPhone, string? InvoicePrefix, string? DefaultTerms, decimal? TaxRate);

public sealed record ClientResponse(string FirstName, string LastName, string? Email, string? Phone, string? Address);
public sealed record LineResponse(string Kind, string Description, decimal Quantity, decimal UnitPrice, bool Taxable, decimal Amount);
public sealed record PaymentResponse(string Id, decimal Amount, string Method, string? Reference, DateTimeOffset At);

public sealed record InvoiceResponse(
    Guid Id, string? Number, string Status, Guid? JobId, string? JobTitle, ClientResponse Client, IReadOnlyList<LineResponse> Lines,
    decimal Subtotal, decimal TaxRate, decimal Tax, decimal Total, decimal AmountPaid, decimal AmountDue, string Currency, string Terms,
    DateTimeOffset? IssuedAt, DateOnly? DueDate, string? PayUrl, DateTimeOffset? PaidAt, DateTimeOffset? VoidedAt, string? Notes,
    DateTimeOffset CreatedAt, IReadOnlyList<PaymentResponse> Payments, bool Disputed, DateTimeOffset? DisputedAt, string? DisputeStatus)
{
    public static InvoiceResponse From(Invoice i, DateOnly today) => new(
        i.Id, i.Number, i.IsOverdue(today) ? "overdue" : SnakeCase.Name(i.Status), i.JobId, i.JobTitle,
        new ClientResponse(i.Client.FirstName, i.Client.LastName, i.Client.Email, i.Client.Phone, i.Client.Address),
        [.. i.Lines.OrderBy(l => l.Position).Select(l => new LineResponse(l.Kind, l.Description, l.Quantity, l.UnitPrice, l.Taxable, l.Amount))],
        i.Subtotal, i.TaxRate, i.Tax, i.Total, i.AmountPaid, i.AmountDue, i.Currency, i.Terms, i.IssuedAt, i.DueDate, i.PayUrl, i.PaidAt,
        i.VoidedAt, i.Notes, i.CreatedAt,
        [.. i.Payments.OrderBy(p => p.At).Select(p => new PaymentResponse(p.ExternalId, p.Amount, p.Method, p.Reference, p.At))],
        i.DisputedAt is not null, i.DisputedAt, i.DisputeStatus);
}

public sealed record SettingsResponse(string BusinessName, string? BusinessAddress, string? BusinessEmail, string? BusinessPhone, string Currency,
    string TimeZone, string InvoicePrefix, long NextNumber, string DefaultTerms, decimal TaxRate)
{
    public static SettingsResponse From(TenantSettings s) => new(s.BusinessName, s.BusinessAddress, s.BusinessEmail, s.BusinessPhone, s.Currency,
        s.TimeZone, s.InvoicePrefix, s.NextNumber, s.DefaultTerms, s.TaxRate);
}

public static class InvoicingApi
{
    private static readonly string[] Statuses = ["draft", "open", "overdue", "paid", "void"];
    private static readonly string[] ManualMethods = ["cash", "check", "bank_transfer", "other"];

    public static RouteGroupBuilder MapInvoicingApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization(Roles.DispatcherPolicy);

        api.MapPost("/", InvoiceJob).WithName("InvoiceJob").WithSummary("\"Invoice Job\": a draft from a completed job; the same job again returns the same invoice.");
        api.MapGet("/", ListInvoices).WithName("ListInvoices").WithSummary("List invoices, filtered by status (draft, open, overdue, paid, void).");
        api.MapGet("/{id:guid}", GetInvoice).WithName("GetInvoice");
        api.MapPut("/{id:guid}", EditDraft).WithName("EditInvoice").WithSummary("Edit a draft's lines, notes, terms or due date.");
        api.MapDelete("/{id:guid}", DeleteDraft).WithName("DeleteInvoice").WithSummary("Delete a draft (drafts have no number, so no gap).");
        api.MapPost("/{id:guid}/send", Send).WithName("SendInvoice").WithSummary("Issue the invoice (number, due date, pay link) and email it.");
        api.MapPost("/{id:guid}/void", Void).WithName("VoidInvoice");
        api.MapPost("/{id:guid}/payments", RecordPayment).WithName("RecordPayment").WithSummary("Record a manual payment (cash, check).");
        api.MapGet("/settings", GetSettings).WithName("GetInvoiceSettings");
        api.MapPut("/settings", UpdateSettings).WithName("UpdateInvoiceSettings").RequireAuthorization(Roles.OwnerPolicy);

        // The PDF is also fetched by Notifications (a service token) to attach it to the invoice email.
        app.MapGet("/api/invoices/{id:guid}/pdf", Pdf).WithTags("Invoices").WithName("InvoicePdf")
            .WithSummary("The invoice as a PDF.").Produces(200, contentType: "application/pdf")
            .RequireAuthorization(ServiceTokens.DocumentsPolicy);

        // Payments asks for an issued invoice it has not heard of yet when its pay link is opened; not behind the gateway.
        app.MapGet(IssuedInvoiceState.RouteTemplate, IssuedByPayToken).WithTags("Internal").WithName("IssuedInvoiceByPayToken")
            .WithSummary("An issued invoice by its pay token, for a service (a service token; any tenant).")
            .RequireAuthorization(ServiceTokens.ServicesPolicy).ExcludeFromDescription();
        return api;
    }

    public static async Task<Results<Created<InvoiceResponse>, Ok<InvoiceResponse>, ValidationProblem>> InvoiceJob(
        InvoiceJobRequest request, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (request.JobId is not { } jobId)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["jobId"] = ["Required."] });
        }
        var profile = TenantProfile.From(http.User);
        var settings = await workflow.SettingsAsync(profile, ct);
        var (invoice, created) = await workflow.InvoiceJobAsync(jobId, settings, profile, http.Request.Headers.Authorization, ct);
        var response = InvoiceResponse.From(invoice, settings.Today(time));
        return created ? TypedResults.Created($"/api/invoices/{invoice.Id}", response) : TypedResults.Ok(response);
    }

    public static async Task<Results<Ok<List<InvoiceResponse>>, ValidationProblem>> ListInvoices(
        string? status, InvoicingDbContext db, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"Must be one of {string.Join(", ", Statuses)}."] });
        }
        var today = (await workflow.SettingsAsync(TenantProfile.From(http.User), ct)).Today(time);
        var query = db.Invoices.AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).AsSplitQuery();
        query = status switch
        {
            "overdue" => query.Where(i => i.Status == InvoiceStatus.Open && i.DueDate < today),
            "open" => query.Where(i => i.Status == InvoiceStatus.Open && i.DueDate >= today),
            null => query,
            _ => query.Where(i => i.Status == Enum.Parse<InvoiceStatus>(status, true)),
        };
        var invoices = await query.OrderByDescending(i => i.CreatedAt).Take(500).ToListAsync(ct);
        return TypedResults.Ok(invoices.Select(i => InvoiceResponse.From(i, today)).ToList());
    }

    public static async Task<Results<Ok<InvoiceResponse>, NotFound>> GetInvoice(
        Guid id, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct) =>
        await workflow.LoadAsync(id, ct) is { } invoice
            ? TypedResults.Ok(InvoiceResponse.From(invoice, (await workflow.SettingsAsync(TenantProfile.From(http.User), ct)).Today(time)))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<InvoiceResponse>, NotFound, ValidationProblem>> EditDraft(
        Guid id, EditInvoiceRequest request, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (await workflow.LoadAsync(id, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        if (request.Terms is not null && !Terms.IsKnown(request.Terms))
        {
            errors.Add("terms", $"Must be one of {string.Join(", ", Terms.Known)}.");
        }
        errors.Text("notes", request.Notes, 4000, required: false);
        var lines = request.Lines is null ? null : ValidateLines(request.Lines, errors);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        invoice.EditDraft(lines, request.Notes, request.Terms, request.DueDate);
        await workflow.SaveOrConflictAsync(ct);
        return TypedResults.Ok(InvoiceResponse.From(invoice, (await workflow.SettingsAsync(TenantProfile.From(http.User), ct)).Today(time)));
    }

    public static async Task<Results<NoContent, NotFound>> DeleteDraft(Guid id, InvoiceWorkflow workflow, InvoicingDbContext db, CancellationToken ct)
    {
        if (await workflow.LoadAsync(id, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        if (invoice.Status != InvoiceStatus.Draft)
        {
            throw new ConflictException("Only a draft can be deleted; void an issued invoice instead.");
        }
        db.Invoices.Remove(invoice);
        await workflow.SaveOrConflictAsync(ct);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<InvoiceResponse>, NotFound, ValidationProblem>> Send(
        Guid id, SendInvoiceRequest? request, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (request?.Terms is { } terms && !Terms.IsKnown(terms))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["terms"] = [$"Must be one of {string.Join(", ", Terms.Known)}."] });
        }
        if (request?.DueDate is { } due && (due.Year < 2000 || due.Year > 2100))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["dueDate"] = ["Must be a date between 2000 and 2100."] });
        }
        var settings = await workflow.SettingsAsync(TenantProfile.From(http.User), ct);
        var invoice = await workflow.SendAsync(id, settings, request?.Terms, request?.DueDate, ct);
        return invoice is null
            ? TypedResults.NotFound()
            : TypedResults.Ok(InvoiceResponse.From(invoice, settings.Today(time)));
    }

    public static async Task<Results<Ok<InvoiceResponse>, NotFound>> Void(
        Guid id, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct) =>
        await workflow.VoidAsync(id, ct) is { } invoice
            ? TypedResults.Ok(InvoiceResponse.From(invoice, (await workflow.SettingsAsync(TenantProfile.From(http.User), ct)).Today(time)))
            : TypedResults.NotFound();

    public static async Task<Results<Ok<InvoiceResponse>, NotFound, ValidationProblem>> RecordPayment(
        Guid id, ManualPaymentRequest request, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        if (await workflow.LoadAsync(id, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        var errors = new ValidationErrors();
        if (request.Amount is not { } amount)
        {
            errors.Add("amount", "Required.");
            amount = 0;
        }
        else if (amount <= 0 || amount > invoice.AmountDue || Money.Round(amount, invoice.Currency) != amount)
        {
            errors.Add("amount", $"Must be more than 0 and at most the amount due ({invoice.AmountDue} {invoice.Currency}), in the currency's minor units.");
        }
        if (request.Method is null || !ManualMethods.Contains(request.Method))
        {
            errors.Add("method", $"Must be one of {string.Join(", ", ManualMethods)}.");
        }
        errors.Line("reference", request.Reference, 200, required: false);
        // A wrong field is named whatever state the invoice is in, so the caller learns what to fix first.
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        if (invoice.Status != InvoiceStatus.Open)
        {
            throw new ConflictException($"A {SnakeCase.Name(invoice.Status)} invoice does not take payments.");
        }
        await workflow.ApplyPaymentAsync(id, $"manual_{Guid.CreateVersion7():N}", amount, request.Method!, request.Reference, time.GetUtcNow(), ct);
        await workflow.SaveOrConflictAsync(ct);
        return TypedResults.Ok(InvoiceResponse.From(invoice, (await workflow.SettingsAsync(TenantProfile.From(http.User), ct)).Today(time)));
    }

    public static async Task<Results<FileContentHttpResult, NotFound>> Pdf(
        Guid id, InvoiceWorkflow workflow, AttachmentRenderer attachments, HttpContext http, CancellationToken ct)
    {
        if (await workflow.LoadAsync(id, ct) is not { } invoice)
        {
            return TypedResults.NotFound();
        }
        var settings = await workflow.SettingsAsync(TenantProfile.From(http.User), ct);
        var document = InvoiceDocuments.From(invoice, settings);
        // A service fetching it for an email waits below a person's requests; a person's download is drawn at once.
        var bytes = http.User.IsInRole(ServiceTokens.Role) ? await attachments.RenderAsync(document, ct) : InvoicePdf.Render(document);
        var name = invoice.Number is null ? "draft" : invoice.Number;
        return TypedResults.File(bytes, "application/pdf", $"{name}.pdf");
    }

    public static async Task<Results<Ok<IssuedInvoiceState>, NotFound>> IssuedByPayToken(string payToken, InvoiceWorkflow workflow, CancellationToken ct) =>
        await workflow.IssuedByPayTokenAsync(payToken, ct) is { } issued ? TypedResults.Ok(issued) : TypedResults.NotFound();

    public static async Task<Ok<SettingsResponse>> GetSettings(InvoiceWorkflow workflow, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(SettingsResponse.From(await workflow.SettingsAsync(TenantProfile.From(http.User), ct)));

    public static async Task<Results<Ok<SettingsResponse>, ValidationProblem>> UpdateSettings(
        SettingsRequest request, InvoiceWorkflow workflow, InvoicingDbContext db, HttpContext http, CancellationToken ct)
    {
        var errors = new ValidationErrors();
        errors.Line("businessName", request.BusinessName, 200, required: false);
        errors.Text("businessAddress", request.BusinessAddress, 500, required: false);
        errors.Email("businessEmail", request.BusinessEmail, required: false);
        errors.Phone("businessPhone", request.BusinessPhone);
        if (request.InvoicePrefix is { } prefix && (prefix.Length > 12 || prefix.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '/' and not '_')))
        {
            errors.Add("invoicePrefix", "At most 12 letters, digits, '-', '/' or '_'.");
        }
        if (request.DefaultTerms is not null && !Terms.IsKnown(request.DefaultTerms))
        {
            errors.Add("defaultTerms", $"Must be one of {string.Join(", ", Terms.Known)}.");
        }
        if (request.TaxRate is { } rate)
        {
            errors.Range("taxRate", rate, 0m, 0.5m);
        }
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary());
        }
        var settings = await workflow.SettingsAsync(TenantProfile.From(http.User), ct);
        settings.BusinessName = request.BusinessName?.Trim() ?? settings.BusinessName;
        settings.BusinessAddress = request.BusinessAddress ?? settings.BusinessAddress;
        settings.BusinessEmail = request.BusinessEmail ?? settings.BusinessEmail;
        settings.BusinessPhone = request.BusinessPhone ?? settings.BusinessPhone;
        settings.InvoicePrefix = request.InvoicePrefix ?? settings.InvoicePrefix;
        settings.DefaultTerms = request.DefaultTerms ?? settings.DefaultTerms;
        settings.TaxRate = request.TaxRate ?? settings.TaxRate;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(SettingsResponse.From(settings));
    }

    private static List<InvoiceLine> ValidateLines(IReadOnlyList<InvoiceLineRequest> lines, ValidationErrors errors)
    {
        string[] kinds = ["labor", "material", "service", "fee"];
        if (lines.Count is 0 or > 500)
        {
            errors.Add("lines", "Between 1 and 500 lines.");
            return [];
        }
        var result = new List<InvoiceLine>();
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var field = $"lines[{i}]";
            if (line.Kind is null || !kinds.Contains(line.Kind))
            {
                errors.Add($"{field}.kind", "Must be labor, material, service or fee.");
            }
            errors.Line($"{field}.description", line.Description, 500);
            errors.Range($"{field}.quantity", line.Quantity ?? 1m, 0m, 100_000m, minExclusive: true);
            if (line.UnitPrice is not { } price)
            {
                errors.Add($"{field}.unitPrice", "Required.");
            }
            else
            {
                errors.Range($"{field}.unitPrice", price, 0m, 1_000_000m);
            }
            result.Add(new InvoiceLine
            {
                Kind = line.Kind ?? "service",
                Description = line.Description?.Trim() ?? "",
                Quantity = line.Quantity ?? 1m,
                UnitPrice = line.UnitPrice ?? 0m,
                Taxable = line.Taxable ?? true,
                Position = i,
            });
        }
        return result;
    }
}

/// <summary>What the PDF prints of an invoice.</summary>
public static class InvoiceDocuments
{
    public static InvoiceDocument From(Invoice i, TenantSettings s) => new()
    {
        BusinessName = s.BusinessName,
        BusinessAddress = s.BusinessAddress,
        BusinessEmail = s.BusinessEmail,
        BusinessPhone = s.BusinessPhone,
        ClientName = $"{i.Client.FirstName} {i.Client.LastName}",
        ClientEmail = i.Client.Email,
        ClientAddress = i.Client.Address,
        ServiceAddress = i.Client.Address,
        Number = i.Number,
        Status = i.Status switch
        {
            InvoiceStatus.Paid => InvoiceDocumentStatus.Paid,
            InvoiceStatus.Void => InvoiceDocumentStatus.Void,
            InvoiceStatus.Open => InvoiceDocumentStatus.Open,
            _ => InvoiceDocumentStatus.Draft,
        },
        IssuedAt = i.IssuedOn,
        DueDate = i.DueDate,
        Terms = Terms.Label(i.Terms),
        JobReference = i.JobTitle,
        Lines = [.. i.Lines.OrderBy(l => l.Position).Select(l => new InvoiceDocumentLine(
            l.Kind switch
            {
                "labor" => InvoiceDocumentLineKind.Labor,
                "material" => InvoiceDocumentLineKind.Material,
                "fee" => InvoiceDocumentLineKind.Fee,
                _ => InvoiceDocumentLineKind.Service,
            }, l.Description, l.Quantity, l.UnitPrice, l.Amount))],
        Subtotal = i.Subtotal,
        TaxRate = i.TaxRate,
        Tax = i.Tax,
        Total = i.Total,
        AmountPaid = i.AmountPaid,
        AmountDue = i.AmountDue,
        Currency = i.Currency,
        PayUrl = i.Status == InvoiceStatus.Open ? i.PayUrl : null,
        Notes = i.Notes,
    };
}
