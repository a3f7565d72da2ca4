using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public sealed class InvoicingOptions
{
    /// <summary>Where customers reach the pay page: the gateway's public address.</summary>
    public string PublicUrl { get; set; } = "http://127.0.0.1:8080";
}

/// <summary>The money path of an invoice: draft from a job, issue, payments and refunds applied, void.</summary>
public sealed class InvoiceWorkflow(
    InvoicingDbContext db, JobsClient jobs, OutboxSignal outbox, TimeProvider time, Microsoft.Extensions.Options.IOptions<InvoicingOptions> options)
{
    /// <summary>Invoicing's settings of the caller's business, created from the token on first use.</summary>
    public async Task<TenantSettings> SettingsAsync(TenantProfile profile, CancellationToken ct)
    {
        var settings = await db.TenantSettings.SingleOrDefaultAsync(ct);
        if (settings is not null)
        {
            return settings;
        }
        var currency = Money.IsKnownCurrency(profile.Currency) ? profile.Currency : "USD";
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO tenant_settings (tenant_id, "BusinessName", "Currency", "TimeZone", "InvoicePrefix", next_number, "DefaultTerms", "TaxRate")
            VALUES ({profile.TenantId}, {profile.BusinessName}, {currency}, {profile.TimeZone}, 'INV-', 1, 'net_30', 0)
            ON CONFLICT (tenant_id) DO NOTHING
            """, ct);
        return await db.TenantSettings.SingleAsync(ct);
    }

    /// <summary>"Invoice Job": the job's draft, made once however often and however concurrently it is asked for.</summary>
    public async Task<(Invoice Invoice, bool Created)> InvoiceJobAsync(Guid jobId, TenantSettings settings, TenantProfile profile, string? authorization, CancellationToken ct)
    {
        // The usual case in one query: JobCompleted's snapshot is here and the job has no invoice yet.
        var found = await db.JobSnapshots.AsNoTracking().Where(s => s.JobId == jobId)
            .Select(s => new { Snapshot = s, Invoiced = db.Invoices.Any(i => i.JobId == jobId) })
            .SingleOrDefaultAsync(ct);
        if ((found is null || found.Invoiced) && await LoadByJobAsync(jobId, ct) is { } existing)
        {
            return (existing, false);
        }
        var snapshot = found?.Snapshot;
        if (snapshot is null)
        {
            var (fetched, status) = await jobs.GetAsync(jobId, profile.TenantId, authorization, ct);
            if (fetched is null)
            {
                throw new FieldException("jobId", status is null ? "No such job." : $"The job is {status.Replace('_', ' ')}; only a completed job can be invoiced.");
            }
            // Not stored here: JobCompleted brings the same snapshot, and its consumer keeps it.
            snapshot = fetched;
        }
        var invoice = Invoice.DraftFrom(snapshot, settings, time.GetUtcNow());
        db.Invoices.Add(invoice);
        try
        {
            await db.SaveChangesAsync(ct);
            return (invoice, true);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            if (await LoadByJobAsync(jobId, ct) is { } concurrent)
            {
                return (concurrent, false);
            }
            throw;
        }
    }

    /// <summary>
    /// Issues a draft: the next number of the tenant (gapless), the due date from the terms in the tenant's calendar, an
    /// unguessable pay token; InvoiceIssued goes out with it. Sending an open invoice again changes nothing; sending a void
    /// one is refused.
    /// </summary>
    public async Task<Invoice?> SendAsync(Guid id, TenantSettings settings, string? terms, DateOnly? dueDate, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).Include(i => i.Payments).SingleOrDefaultAsync(i => i.Id == id, ct);
            if (invoice?.Status == InvoiceStatus.Void)
            {
                // Answering 200 would read as sent; a void invoice stays void (an issued invoice is never reissued).
                throw new ConflictException("A void invoice cannot be sent; invoice the job again for a new invoice.");
            }
            if (invoice is null || invoice.Status != InvoiceStatus.Draft)
            {
                return invoice;
            }
            var version = invoice.Version;
            var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            invoice.Issue(settings.Today(time), terms, dueDate, token, $"{options.Value.PublicUrl.TrimEnd('/')}/pay/{token}", time.GetUtcNow());
            // Written without the number, which the statement below fills in as it takes it.
            OutboxMessage[] events = invoice.Status == InvoiceStatus.Paid
                ? [OutboxMessage.From(Issued(invoice, settings)), OutboxMessage.From(Paid(invoice))]
                : [OutboxMessage.From(Issued(invoice, settings))];
            if (await StoreIssueAsync(invoice, version, events, ct) is { } number)
            {
                invoice.Numbered(number);
                outbox.Pulse();
                InvoicingMetrics.InvoiceIssued(invoice);
                if (invoice.Status == InvoiceStatus.Paid)
                {
                    InvoicingMetrics.InvoicePaid(invoice);
                }
                return invoice;
            }
            if (attempt == 3)
            {
                throw new ConflictException("The invoice kept changing while it was being sent; load it again and retry.");
            }
        }
    }

    /// <summary>
    /// Stores an issue in one statement that commits on its own: it locks the invoice if it is still the draft that was
    /// read (same xmin), then takes the tenant's next number, writes the invoice and its events with that number. The
    /// counter's row lock orders every send of the tenant and keeps numbers gapless; taken last, and released by the
    /// commit that follows inside PostgreSQL, it is held for one row update and one WAL flush, never across a round
    /// trip to this process. Null when the invoice changed since it was read (nothing is written then).
    /// </summary>
    private async Task<string?> StoreIssueAsync(Invoice invoice, uint version, OutboxMessage[] events, CancellationToken ct)
    {
        var status = invoice.Status.ToString();
        var ids = events.Select(e => e.Id).ToArray();
        var types = events.Select(e => e.Type).ToArray();
        var bodies = events.Select(e => e.Body).ToArray();
        var occurred = events.Select(e => e.OccurredAt).ToArray();
        var traces = events.Select(e => e.TraceParent).ToArray();
        var numbers = await db.Database.SqlQuery<string>(
            $"""
            WITH draft AS (
                SELECT "Id" FROM invoices
                WHERE "Id" = {invoice.Id} AND "TenantId" = {invoice.TenantId} AND "Status" = 'Draft' AND xmin::text = {version.ToString(CultureInfo.InvariantCulture)}
                FOR UPDATE
            ), taken AS (
                UPDATE tenant_settings SET next_number = next_number + 1
                WHERE tenant_id = {invoice.TenantId} AND EXISTS (SELECT FROM draft)
                RETURNING "InvoicePrefix" || lpad((next_number - 1)::text, greatest(6, length((next_number - 1)::text)), '0') AS number
            ), issued AS (
                UPDATE invoices SET "Number" = taken.number, "Status" = {status}, "Terms" = {invoice.Terms}, "IssuedOn" = {invoice.IssuedOn},
                    "IssuedAt" = {invoice.IssuedAt}, "DueDate" = {invoice.DueDate}, "PayToken" = {invoice.PayToken}, "PayUrl" = {invoice.PayUrl},
                    "PaidAt" = {invoice.PaidAt}
                FROM taken WHERE invoices."Id" = {invoice.Id}
                RETURNING taken.number
            ), published AS (
                INSERT INTO outbox_messages (id, tenant_id, type, body, occurred_at, trace_parent, attempts)
                SELECT e.id, {invoice.TenantId}, e.type, jsonb_set(e.body::jsonb, ARRAY['number'], to_jsonb(issued.number)), e.occurred_at, e.trace_parent, 0
                FROM issued, unnest({ids}, {types}, {bodies}, {occurred}, {traces}) AS e(id, type, body, occurred_at, trace_parent)
            )
            SELECT number AS "Value" FROM issued
            """).ToListAsync(ct);
        return numbers.SingleOrDefault();
    }

    public async Task<Invoice?> VoidAsync(Guid id, CancellationToken ct)
    {
        var invoice = await LoadAsync(id, ct);
        if (invoice is null || invoice.Status == InvoiceStatus.Void)
        {
            return invoice;
        }
        invoice.MarkVoid(time.GetUtcNow());
        db.Publish(new InvoiceVoided { TenantId = invoice.TenantId, InvoiceId = invoice.Id, Number = invoice.Number });
        await SaveOrConflictAsync(ct);
        return invoice;
    }

    /// <summary>
    /// Applies a payment once by its id; publishes InvoicePaid when it pays the invoice in full, otherwise the new balance.
    /// InvoicePaid carries everything the balance would (every consumer of both sets paid, amount due 0, amount paid), so
    /// the balance is not published beside it: that was a second message, transaction and dashboard push per paid invoice
    /// in Payments, Notifications and Automation, each waiting on the row lock of the other.
    /// </summary>
    public async Task<Invoice?> ApplyPaymentAsync(Guid id, string paymentId, decimal amount, string method, string? reference, DateTimeOffset at, CancellationToken ct)
    {
        var invoice = await LoadAsync(id, ct);
        if (invoice is null)
        {
            return null;
        }
        var wasPaid = invoice.Status == InvoiceStatus.Paid;
        if (invoice.ApplyPayment(paymentId, amount, method, reference, at))
        {
            if (!wasPaid && invoice.Status == InvoiceStatus.Paid)
            {
                db.Publish(Paid(invoice));
                CountWhenSaved(() => InvoicingMetrics.InvoicePaid(invoice));
            }
            else
            {
                db.Publish(Balance(invoice));
            }
        }
        return invoice;
    }

    public async Task<Invoice?> ApplyRefundAsync(Guid id, string refundId, decimal amount, DateTimeOffset at, CancellationToken ct)
    {
        var invoice = await LoadAsync(id, ct);
        if (invoice is not null && invoice.ApplyRefund(refundId, amount, at))
        {
            db.Publish(Balance(invoice));
        }
        return invoice;
    }

    public async Task<Invoice?> FlagDisputedAsync(Guid id, string disputeId, string status, DateTimeOffset openedAt, CancellationToken ct)
    {
        var invoice = await LoadAsync(id, ct);
        invoice?.FlagDisputed(disputeId, status, openedAt);
        return invoice;
    }

    public async Task<Invoice?> CloseDisputeAsync(Guid id, string disputeId, string status, DateTimeOffset openedAt, CancellationToken ct)
    {
        var invoice = await LoadAsync(id, ct);
        invoice?.CloseDispute(disputeId, status, openedAt);
        return invoice;
    }

    public Task SaveOrConflictAsync(CancellationToken ct) => SaveOrConflict(db, ct);

    /// <summary>The caller's unit of work saves the change; a metric counts it only once it is saved.</summary>
    private void CountWhenSaved(Action count)
    {
        db.SavedChanges += OnSaved;

        void OnSaved(object? sender, Microsoft.EntityFrameworkCore.SavedChangesEventArgs e)
        {
            db.SavedChanges -= OnSaved;
            count();
        }
    }

    internal static async Task SaveOrConflict(DbContext db, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException ex)
        {
            throw new ConflictException("The invoice changed meanwhile; load it again and retry. " + ex.Message);
        }
    }

    /// <summary>
    /// An issued invoice by its pay token, whichever tenant's it is (the token names it): InvoiceIssued as published,
    /// with the status and balance of now. Null for a token no invoice has.
    /// </summary>
    public async Task<IssuedInvoiceState?> IssuedByPayTokenAsync(string payToken, CancellationToken ct)
    {
        var invoice = await db.Invoices.IgnoreQueryFilters().AsNoTracking().Include(i => i.Lines)
            .SingleOrDefaultAsync(i => i.PayToken == payToken, ct);
        if (invoice is null)
        {
            return null;
        }
        var settings = await db.TenantSettings.IgnoreQueryFilters().AsNoTracking().SingleAsync(s => s.TenantId == invoice.TenantId, ct);
        return new IssuedInvoiceState
        {
            // Nothing is paid before the issue: a draft takes no payments.
            Issued = Issued(invoice, settings) with { AmountDue = invoice.Total },
            Status = SnakeCase.Name(invoice.Status),
            AmountPaid = invoice.AmountPaid,
            AmountDue = invoice.Status == InvoiceStatus.Void ? 0m : invoice.AmountDue,
            PaidAt = invoice.PaidAt,
        };
    }

    public Task<Invoice?> LoadAsync(Guid id, CancellationToken ct) =>
        db.Invoices.Include(i => i.Lines).Include(i => i.Payments).SingleOrDefaultAsync(i => i.Id == id, ct);

    private Task<Invoice?> LoadByJobAsync(Guid jobId, CancellationToken ct) =>
        db.Invoices.Include(i => i.Lines).Include(i => i.Payments).SingleOrDefaultAsync(i => i.JobId == jobId, ct);

    private static InvoiceIssued Issued(Invoice invoice, TenantSettings settings) => new()
    {
        TenantId = invoice.TenantId,
        InvoiceId = invoice.Id,
        JobId = invoice.JobId,
        Number = invoice.Number!,
        BusinessName = settings.BusinessName,
        Client = invoice.Client,
        Lines = [.. invoice.Lines.OrderBy(l => l.Position).Select(l => new InvoiceLineSnapshot
        {
            Kind = l.Kind, Description = l.Description, Quantity = l.Quantity, UnitPrice = l.UnitPrice, Amount = l.Amount,
        })],
        Currency = invoice.Currency,
        Subtotal = invoice.Subtotal,
        Tax = invoice.Tax,
        Total = invoice.Total,
        AmountDue = invoice.AmountDue,
        IssuedAt = invoice.IssuedAt!.Value,
        DueDate = invoice.DueDate!.Value,
        PayToken = invoice.PayToken!,
        PayUrl = invoice.PayUrl!,
        TimeZone = settings.TimeZone,
        OccurredAt = invoice.IssuedAt!.Value,
    };

    private static InvoicePaid Paid(Invoice invoice) => new()
    {
        TenantId = invoice.TenantId,
        InvoiceId = invoice.Id,
        Number = invoice.Number!,
        AmountPaid = invoice.AmountPaid,
        Currency = invoice.Currency,
        PaidAt = invoice.PaidAt!.Value,
        Client = invoice.Client,
    };

    private static InvoiceBalanceChanged Balance(Invoice invoice) => new()
    {
        TenantId = invoice.TenantId,
        InvoiceId = invoice.Id,
        AmountPaid = invoice.AmountPaid,
        AmountDue = invoice.AmountDue,
        Currency = invoice.Currency,
        Status = SnakeCase.Name(invoice.Status),
    };
}
