using OraServ.Contracts;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public enum InvoiceStatus
{
    Draft,
    Open,
    Paid,
    Void,
}

/// <summary>Payment terms and the days they give.</summary>
public static class Terms
{
    public const string DueOnReceipt = "due_on_receipt";
    public const string Custom = "custom";

    private static readonly Dictionary<string, int> Days = new(StringComparer.Ordinal)
    {
        [DueOnReceipt] = 0,
        ["net_7"] = 7,
        ["net_15"] = 15,
        ["net_30"] = 30,
        ["net_60"] = 60,
    };

    public static IEnumerable<string> Known => Days.Keys;

    public static bool IsKnown(string? terms) => terms is not null && Days.ContainsKey(terms);

    public static DateOnly DueDate(string terms, DateOnly issuedOn) => issuedOn.AddDays(Days[terms]);

    public static string Label(string terms) => terms switch
    {
        DueOnReceipt => "Due on receipt",
        Custom => "Due by date",
        _ => "Net " + terms["net_".Length..],
    };
}

/// <summary>Invoicing's settings of a business: numbering, default terms and tax. Created from the caller's token on first use.</summary>
public sealed class TenantSettings
{
    public Guid TenantId { get; init; }
    public required string BusinessName { get; set; }
    public string? BusinessAddress { get; set; }
    public string? BusinessEmail { get; set; }
    public string? BusinessPhone { get; set; }
    public required string Currency { get; set; }
    public required string TimeZone { get; set; }
    public string InvoicePrefix { get; set; } = "INV-";
    /// <summary>The number the next issued invoice takes; advanced in the issuing transaction, so numbers have no gaps.</summary>
    public long NextNumber { get; set; } = 1;
    public string DefaultTerms { get; set; } = "net_30";
    /// <summary>Fraction: 0.0825 is 8.25 %.</summary>
    public decimal TaxRate { get; set; }

    public DateOnly Today(TimeProvider time) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(TimeZone)).DateTime);
}

/// <summary>A completed job as JobCompleted described it: what "Invoice Job" builds a draft from.</summary>
public sealed class JobSnapshot
{
    public Guid JobId { get; init; }
    public Guid TenantId { get; init; }
    public required string Title { get; init; }
    public required ClientContact Client { get; init; }
    public required List<JobLine> Lines { get; init; }
    public required string Currency { get; init; }
    public string? Notes { get; init; }
    public DateTimeOffset CompletedAt { get; init; }
}

public sealed class InvoiceLine
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public required string Kind { get; init; }
    public required string Description { get; init; }
    public decimal Quantity { get; init; }
    public decimal UnitPrice { get; init; }
    public bool Taxable { get; init; }
    public decimal Amount { get; set; }
    public decimal Tax { get; set; }
    public int Position { get; init; }
}

/// <summary>A payment taken or a refund given, applied once by its id.</summary>
public sealed class AppliedPayment
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    /// <summary>The processor's id (PaymentIntent, refund) or a generated one for cash and checks.</summary>
    public required string ExternalId { get; init; }
    /// <summary>Positive for a payment, negative for a refund.</summary>
    public decimal Amount { get; init; }
    public required string Method { get; init; }
    public string? Reference { get; init; }
    public DateTimeOffset At { get; init; }
}

public sealed class Invoice
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid? JobId { get; init; }
    public string? JobTitle { get; init; }
    public DateTimeOffset? JobCompletedAt { get; init; }
    public string? Number { get; private set; }
    public InvoiceStatus Status { get; private set; } = InvoiceStatus.Draft;
    public required ClientContact Client { get; init; }
    public required string Currency { get; init; }
    public decimal TaxRate { get; private set; }
    public string Terms { get; private set; } = "net_30";
    public DateOnly? IssuedOn { get; private set; }
    public DateTimeOffset? IssuedAt { get; private set; }
    public DateOnly? DueDate { get; private set; }
    public string? PayToken { get; private set; }
    public string? PayUrl { get; private set; }
    public string? Notes { get; private set; }
    public decimal Subtotal { get; private set; }
    public decimal Tax { get; private set; }
    public decimal Total { get; private set; }
    public decimal AmountPaid { get; private set; }
    public DateTimeOffset? PaidAt { get; private set; }
    public DateTimeOffset? VoidedAt { get; private set; }
    /// <summary>When the latest chargeback on one of its card payments was opened; null when none was.</summary>
    public DateTimeOffset? DisputedAt { get; private set; }
    public string? DisputeId { get; private set; }
    /// <summary>Stripe's status of that dispute as last reported, e.g. needs_response.</summary>
    public string? DisputeStatus { get; private set; }
    public DateTimeOffset CreatedAt { get; init; }
    public List<InvoiceLine> Lines { get; init; } = [];
    public List<AppliedPayment> Payments { get; init; } = [];
    /// <summary>PostgreSQL's xmin: two writers of one invoice cannot both win.</summary>
    public uint Version { get; private set; }

    public decimal AmountDue => Math.Max(0m, Total - AmountPaid);

    public bool IsOverdue(DateOnly today) => Status == InvoiceStatus.Open && DueDate < today;

    public static Invoice DraftFrom(JobSnapshot job, TenantSettings settings, DateTimeOffset now)
    {
        var invoice = new Invoice
        {
            TenantId = job.TenantId,
            JobId = job.JobId,
            JobTitle = job.Title,
            JobCompletedAt = job.CompletedAt,
            Client = job.Client,
            Currency = job.Currency,
            CreatedAt = now,
            TaxRate = settings.TaxRate,
            Terms = settings.DefaultTerms,
            Notes = job.Notes,
        };
        invoice.SetLines(job.Lines.Select((l, i) => new InvoiceLine
        {
            Kind = l.Kind,
            Description = l.Description,
            Quantity = l.Quantity,
            UnitPrice = l.UnitPrice,
            Taxable = l.Taxable,
            Position = i,
        }));
        return invoice;
    }

    public void EditDraft(IEnumerable<InvoiceLine>? lines, string? notes, string? terms, DateOnly? dueDate)
    {
        EnsureDraft("edited");
        if (lines is not null)
        {
            SetLines(lines);
        }
        if (notes is not null)
        {
            Notes = notes.Length == 0 ? null : notes;
        }
        if (terms is not null)
        {
            Terms = terms;
        }
        if (dueDate is not null)
        {
            DueDate = dueDate;
            Terms = OraServ.Invoicing.Terms.Custom;
        }
    }

    /// <summary>
    /// Issues the draft: its dates and pay link are fixed from now on. The number comes from the statement that stores
    /// the issue (<see cref="Numbered"/>): the tenant's counter is taken as late as possible, so its lock is held briefly.
    /// </summary>
    public void Issue(DateOnly issuedOn, string? terms, DateOnly? dueDate, string payToken, string payUrl, DateTimeOffset now)
    {
        EnsureDraft("sent");
        if (Lines.Count == 0)
        {
            throw new FieldException("lines", "An invoice needs at least one line before it is sent.");
        }
        if (dueDate is not null)
        {
            Terms = OraServ.Invoicing.Terms.Custom;
            DueDate = dueDate;
        }
        else if (terms is not null)
        {
            Terms = terms;
            DueDate = OraServ.Invoicing.Terms.DueDate(terms, issuedOn);
        }
        else if (Terms != OraServ.Invoicing.Terms.Custom || DueDate is null)
        {
            Terms = Terms == OraServ.Invoicing.Terms.Custom ? OraServ.Invoicing.Terms.DueOnReceipt : Terms;
            DueDate = OraServ.Invoicing.Terms.DueDate(Terms, issuedOn);
        }
        IssuedOn = issuedOn;
        IssuedAt = now;
        PayToken = payToken;
        PayUrl = payUrl;
        Status = Total == 0m ? InvoiceStatus.Paid : InvoiceStatus.Open;
        PaidAt = Total == 0m ? now : null;
    }

    /// <summary>The gapless number the issuing statement took from the tenant's counter.</summary>
    public void Numbered(string number)
    {
        if (Status == InvoiceStatus.Draft || Number is not null)
        {
            throw new InvalidOperationException("Only an invoice just issued takes a number, once.");
        }
        Number = number;
    }

    public void MarkVoid(DateTimeOffset now)
    {
        if (Status == InvoiceStatus.Void)
        {
            return;
        }
        if (Status == InvoiceStatus.Paid || AmountPaid > 0m)
        {
            throw new ConflictException("An invoice with payments cannot be voided; refund the payments first.");
        }
        Status = InvoiceStatus.Void;
        VoidedAt = now;
    }

    /// <summary>Applies a payment once by its id; returns false for a payment already applied.</summary>
    public bool ApplyPayment(string externalId, decimal amount, string method, string? reference, DateTimeOffset at)
    {
        if (Payments.Any(p => p.ExternalId == externalId))
        {
            return false;
        }
        if (Status == InvoiceStatus.Draft)
        {
            throw new ConflictException("A draft cannot take payments; send it first.");
        }
        // A payment the processor took is recorded even on a void or paid invoice: nothing taken is ever lost.
        Payments.Add(new AppliedPayment { ExternalId = externalId, Amount = amount, Method = method, Reference = reference, At = at });
        AmountPaid += amount;
        if (Status == InvoiceStatus.Open && AmountPaid >= Total)
        {
            Status = InvoiceStatus.Paid;
            PaidAt = at;
        }
        return true;
    }

    /// <summary>Takes a refund back once by its id; a paid invoice reopens.</summary>
    public bool ApplyRefund(string refundId, decimal amount, DateTimeOffset at)
    {
        if (Payments.Any(p => p.ExternalId == refundId))
        {
            return false;
        }
        Payments.Add(new AppliedPayment { ExternalId = refundId, Amount = -amount, Method = "refund", At = at });
        AmountPaid -= amount;
        if (Status == InvoiceStatus.Paid && AmountPaid < Total)
        {
            Status = InvoiceStatus.Open;
            PaidAt = null;
        }
        return true;
    }

    /// <summary>
    /// Flags the invoice disputed. Status and balance stay as they are: the payment was made, and whether it is given
    /// back is up to the card network's decision. With several disputes the latest one is shown, whatever the order of arrival.
    /// </summary>
    public void FlagDisputed(string disputeId, string status, DateTimeOffset openedAt)
    {
        var newer = DisputedAt is not { } shown || openedAt > shown
            || (openedAt == shown && string.CompareOrdinal(disputeId, DisputeId) > 0);
        if (newer)
        {
            DisputedAt = openedAt;
            DisputeId = disputeId;
            DisputeStatus = status;
        }
    }

    /// <summary>
    /// The dispute was decided: its final status is shown (won or lost); status and balance stay as they are. Arriving
    /// before the dispute's opening, it flags the invoice itself, and the opening then changes nothing.
    /// </summary>
    public void CloseDispute(string disputeId, string status, DateTimeOffset openedAt)
    {
        if (DisputeId == disputeId)
        {
            DisputeStatus = status;
            return;
        }
        FlagDisputed(disputeId, status, openedAt);
    }

    private void SetLines(IEnumerable<InvoiceLine> lines)
    {
        Lines.Clear();
        Lines.AddRange(lines);
        foreach (var line in Lines)
        {
            // Rounded once per line, half away from zero, to the currency's minor unit.
            line.Amount = Money.Round(line.Quantity * line.UnitPrice, Currency);
            line.Tax = line.Taxable ? Money.Round(line.Amount * TaxRate, Currency) : 0m;
        }
        Subtotal = Lines.Sum(l => l.Amount);
        Tax = Lines.Sum(l => l.Tax);
        Total = Subtotal + Tax;
    }

    private void EnsureDraft(string action)
    {
        if (Status != InvoiceStatus.Draft)
        {
            throw new ConflictException($"An issued invoice cannot be {action}; void it and issue a new one.");
        }
    }
}
