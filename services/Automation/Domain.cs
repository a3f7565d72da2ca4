namespace OraServ.Automation;

/// <summary>What makes a rule fire, as the API spells it.</summary>
public static class TriggerEvents
{
    /// <summary>N days after the due date, at the send hour in the tenant's time zone.</summary>
    public const string Overdue = "invoice.overdue";
    /// <summary>N days before the due date, at the send hour in the tenant's time zone.</summary>
    public const string DueIn = "invoice.due_in";
    /// <summary>N days after the invoice was issued (0: at once).</summary>
    public const string Issued = "invoice.issued";
    /// <summary>N days after a payment attempt failed (0: at once); once per invoice.</summary>
    public const string PaymentFailed = "payment.failed";

    public static readonly IReadOnlyList<string> All = [Overdue, DueIn, Issued, PaymentFailed];
}

public static class Channels
{
    public const string Sms = "sms";
    public const string Email = "email";

    public static readonly IReadOnlyList<string> All = [Sms, Email];
}

public static class ReminderStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Skipped = "skipped";
    public const string Cancelled = "cancelled";
}

public static class InvoiceStatus
{
    public const string Open = "open";
    public const string Paid = "paid";
    public const string Void = "void";
}

/// <summary>One step of a tenant's automation: when (trigger), how (channel) and what (template).</summary>
public sealed class Rule
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string Name { get; set; }
    public required string TriggerEvent { get; set; }
    public int TriggerDays { get; set; }
    public required string Channel { get; set; }
    public required string Template { get; set; }
    /// <summary>Email subject (a template too); null for SMS.</summary>
    public string? Subject { get; set; }
    public bool Enabled { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    public const string DefaultName = "Overdue by 5 days (SMS)";
    public const string DefaultTemplate = "Hey {{client.firstName}}, you have an invoice past due by 5 days. Click here to pay: {{invoice.link}}";

    /// <summary>
    /// The subject an email rule gets when it is saved without one (the rule's documented shape has none): what its
    /// trigger means, with the invoice's number and the business's name.
    /// </summary>
    public static string DefaultSubject(string triggerEvent) => triggerEvent switch
    {
        TriggerEvents.DueIn => "Invoice {{ invoice.number }} from {{ business.name }} is due on {{ invoice.dueDate }}",
        TriggerEvents.Issued => "Invoice {{ invoice.number }} from {{ business.name }}",
        TriggerEvents.PaymentFailed => "Your payment for invoice {{ invoice.number }} did not go through",
        _ => "Invoice {{ invoice.number }} from {{ business.name }} is overdue",
    };

    /// <summary>The rule every tenant starts with: switched off, ready to switch on.</summary>
    public static Rule Default(Guid tenantId, DateTimeOffset now) => new()
    {
        TenantId = tenantId,
        Name = DefaultName,
        TriggerEvent = TriggerEvents.Overdue,
        TriggerDays = 5,
        Channel = Channels.Sms,
        Template = DefaultTemplate,
        Enabled = false,
        CreatedAt = now,
        UpdatedAt = now,
    };
}

/// <summary>
/// One (rule, invoice) firing. Its primary key is the exactly-once key: a reminder is planned at most once per rule and
/// invoice, and goes from pending to sent in the same transaction that writes the SendSms/SendEmail to the outbox.
/// </summary>
public sealed class Reminder
{
    public Guid RuleId { get; init; }
    public Guid InvoiceId { get; init; }
    public Guid TenantId { get; init; }
    /// <summary>When it is due (UTC); moved forward by quiet hours.</summary>
    public DateTimeOffset DueAt { get; set; }
    public string Status { get; set; } = ReminderStatus.Pending;
    /// <summary>Why it was skipped, cancelled or deferred.</summary>
    public string? Reason { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>The id of the SendSms/SendEmail it published (the message id on the broker).</summary>
    public Guid? MessageId { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Automation's own view of an invoice, kept from Invoicing's and Payments' events.</summary>
public sealed class InvoiceView
{
    public Guid Id { get; init; }
    public Guid TenantId { get; init; }
    /// <summary>False while only a later event (paid, voided) has been seen: the issue event is still on its way.</summary>
    public bool Issued { get; set; }
    public string Number { get; set; } = "";
    public Guid ClientId { get; set; }
    public string ClientFirstName { get; set; } = "";
    public string ClientLastName { get; set; } = "";
    public string? ClientEmail { get; set; }
    public string? ClientPhone { get; set; }
    public string BusinessName { get; set; } = "";
    public string Currency { get; set; } = "";
    public decimal Total { get; set; }
    public decimal AmountDue { get; set; }
    /// <summary>Due date in the tenant's calendar.</summary>
    public DateOnly DueDate { get; set; }
    public DateTimeOffset? IssuedAt { get; set; }
    public string PayUrl { get; set; } = "";
    /// <summary>The tenant's time zone its InvoiceIssued carried (null for events without one), and when that event happened.</summary>
    public string? IssuedTimeZone { get; set; }
    public DateTimeOffset? IssuedEventAt { get; set; }
    public string Status { get; set; } = InvoiceStatus.Open;
    public bool Disputed { get; set; }
    public DateTimeOffset? PaymentFailedAt { get; set; }
    /// <summary>When the event behind the current status and balance happened: an older event arriving late changes nothing.</summary>
    public DateTimeOffset LastEventAt { get; set; }
}

/// <summary>What Automation knows of a tenant: the clock and the money it lives in.</summary>
public sealed class AutomationTenant
{
    public Guid TenantId { get; init; }
    /// <summary>IANA time zone id (America/New_York).</summary>
    public string TimeZone { get; set; } = TenantClock.DefaultTimeZone;
    /// <summary>
    /// When the invoice event the time zone came from happened (the first of its invoices in this zone, or a later one);
    /// null while it is only known from a dispatcher's token. An older event arriving late does not turn the zone back
    /// (the newest invoice's event decides), and a token never overrides an event.
    /// </summary>
    public DateTimeOffset? TimeZoneFrom { get; set; }
    public string Currency { get; set; } = "USD";
    public string BusinessName { get; set; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A client who asked not to be chased: no reminder goes to them while it is set.</summary>
public sealed class ClientPreference
{
    public Guid TenantId { get; init; }
    public Guid ClientId { get; init; }
    public bool DoNotRemind { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
