namespace OraServ.Notifications;

public enum MessageChannel
{
    Email,
    Sms,
}

public enum MessageStatus
{
    Queued,
    Sent,
    Failed,
}

/// <summary>
/// One email or SMS in the delivery log. The row is written (queued) before anything is sent, so it doubles as the
/// durable work item: the delivery worker sends queued rows that are due, with back-off, until they are sent or fail.
/// </summary>
public sealed class Message
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public Guid? InvoiceId { get; init; }
    public MessageChannel Channel { get; init; }
    /// <summary>What the message is for, unique per tenant: "invoice-issued:{invoiceId}", "receipt:{invoiceId}", "automation:{eventId}".</summary>
    public required string DedupeKey { get; init; }
    public required string To { get; init; }
    public string? ToName { get; init; }
    /// <summary>Display name of the sender (the business).</summary>
    public string? FromName { get; init; }
    public string? Subject { get; init; }
    /// <summary>Plain text (the email's text part, or the SMS).</summary>
    public string? Body { get; init; }
    public string? HtmlBody { get; init; }
    /// <summary>When set, the invoice's PDF is fetched from Invoicing and attached under this file name.</summary>
    public string? AttachmentName { get; init; }
    public MessageStatus Status { get; private set; } = MessageStatus.Queued;
    public string? FailureReason { get; private set; }
    /// <summary>The last transient error while the message waits for its next attempt.</summary>
    public string? LastError { get; private set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? SentAt { get; private set; }
    /// <summary>The provider's id: the SMTP Message-Id or the SMS provider's message id.</summary>
    public string? ProviderId { get; private set; }

    public void MarkSent(DateTimeOffset at, string? providerId)
    {
        Status = MessageStatus.Sent;
        SentAt = at;
        ProviderId = providerId is { Length: > 200 } ? providerId[..200] : providerId;
        LastError = null;
    }

    public void MarkFailed(string reason)
    {
        Status = MessageStatus.Failed;
        FailureReason = Truncate(reason);
    }

    public void RetryAt(DateTimeOffset at, string error)
    {
        NextAttemptAt = at;
        LastError = Truncate(error);
    }

    private static string Truncate(string text) => text.Length > 1000 ? text[..1000] : text;
}

/// <summary>
/// What Notifications knows of an invoice: the last InvoiceIssued (so a dispatcher can resend the email) and the
/// latest amounts and status (for the dashboard push, whose events do not all carry every field).
/// </summary>
public sealed class InvoiceView
{
    public Guid InvoiceId { get; init; }
    public Guid TenantId { get; init; }
    public string? Number { get; set; }
    public string? Currency { get; set; }
    public string Status { get; set; } = "open";
    public decimal AmountDue { get; set; }
    public decimal AmountPaid { get; set; }
    /// <summary>When the event the amounts came from happened; an older event does not overwrite a newer one.</summary>
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>The last InvoiceIssued, as JSON.</summary>
    public string? Issued { get; set; }
}

/// <summary>What an SMS reply asked for: Twilio's standard keywords, or nothing (a normal reply).</summary>
public enum SmsReplyAction
{
    None,
    OptOut,
    OptIn,
}

/// <summary>
/// An SMS a client sent to OraServ's Twilio number, as Twilio's inbound webhook delivered it. The MessageSid is the key:
/// Twilio retries a webhook, and a retry finds its reply and changes nothing.
/// </summary>
public sealed class SmsReply
{
    public required string MessageSid { get; init; }
    /// <summary>The client's number (E.164).</summary>
    public required string From { get; init; }
    /// <summary>OraServ's number the client replied to.</summary>
    public required string To { get; init; }
    public required string Body { get; init; }
    public SmsReplyAction Action { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
}

/// <summary>
/// A phone number's SMS consent. Not per tenant: every tenant's SMS leave from the one configured Twilio sender, and
/// Twilio itself blocks a sender to a number that replied STOP, for every business alike. While opted out, no SMS is
/// sent to the number (the delivery log shows why); emails still go.
/// </summary>
public sealed class SmsOptOut
{
    public required string Phone { get; init; }
    public bool OptedOut { get; set; }
    /// <summary>The keyword of the reply that set the state (STOP, START, ...).</summary>
    public required string Keyword { get; set; }
    public required string MessageSid { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
}
