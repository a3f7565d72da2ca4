using System.Buffers.Text;
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
public sealed class InvoiceWorkflow(InvoicingDbContext db, JobsClient jobs, TimeProvider time, Microsoft.Extensions.Options.IOptions<InvoicingOptions> options)
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
    public async Task<(Invoice Invoice, bool Created)> InvoiceJobAsync(Guid jobId, TenantProfile profile, string? authorization, CancellationToken ct)
    {
        if (await LoadByJobAsync(jobId, ct) is { } existing)
        {
            return (existing, false);
        }
        var snapshot = await db.JobSnapshots.SingleOrDefaultAsync(s => s.JobId == jobId, ct);
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
        var settings = await SettingsAsync(profile, ct);
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
    /// Issues a draft: the next number of the tenant (taken in this transaction, so a rollback leaves no gap), the due
    /// date from the terms in the tenant's calendar, an unguessable pay token; InvoiceIssued goes out with the commit.
    /// Sending an open invoice again changes nothing.
    /// </summary>
    public async Task<Invoice?> SendAsync(Guid id, TenantProfile profile, string? terms, DateOnly? dueDate, CancellationToken ct)
    {
        var settings = await SettingsAsync(profile, ct);
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            db.ChangeTracker.Clear();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            // Lock the invoice first: two sends of one draft wait for each other, the second finds it open.
            var locked = await db.Database.SqlQuery<Guid>($"SELECT \"Id\" AS \"Value\" FROM invoices WHERE \"Id\" = {id} AND \"TenantId\" = {profile.TenantId} FOR UPDATE").ToListAsync(ct);
            if (locked.Count == 0)
            {
                return null;
            }
            var invoice = await LoadAsync(id, ct);
            if (invoice!.Status != InvoiceStatus.Draft)
            {
                return invoice;
            }
            if (invoice.Lines.Count == 0)
            {
                throw new FieldException("lines", "An invoice needs at least one line before it is sent.");
            }
            // The tenant's counter row is the lock that orders concurrent sends; its new value commits with the invoice.
            var taken = await db.Database.SqlQuery<long>(
                $"UPDATE tenant_settings SET next_number = next_number + 1 WHERE tenant_id = {profile.TenantId} RETURNING next_number - 1 AS \"Value\"").ToListAsync(ct);
            var number = $"{settings.InvoicePrefix}{taken.Single():D6}";
            var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            var payUrl = $"{options.Value.PublicUrl.TrimEnd('/')}/pay/{token}";
            invoice.Issue(number, settings.Today(time), terms, dueDate, token, payUrl, time.GetUtcNow());
            db.Publish(Issued(invoice, settings));
            if (invoice.Status == InvoiceStatus.Paid)
            {
                db.Publish(Paid(invoice));
            }
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            InvoicingMetrics.InvoiceIssued(invoice);
            if (invoice.Status == InvoiceStatus.Paid)
            {
                InvoicingMetrics.InvoicePaid(invoice);
            }
            return invoice;
        });
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

    /// <summary>Applies a payment once by its id; publishes the new balance, and InvoicePaid when it is paid in full.</summary>
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
            db.Publish(Balance(invoice));
            if (!wasPaid && invoice.Status == InvoiceStatus.Paid)
            {
                db.Publish(Paid(invoice));
                CountWhenSaved(() => InvoicingMetrics.InvoicePaid(invoice));
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
