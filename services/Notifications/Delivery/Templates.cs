using System.Globalization;
using System.Net;
using System.Text;
using OraServ.Contracts;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications.Delivery;

/// <summary>
/// Turns events into delivery-log rows with their rendered content. A message that cannot be sent at all (no address,
/// a line break where a header goes) is recorded as failed with the reason, so the dispatcher sees why.
/// </summary>
public static class Templates
{
    public const string NoClientEmail = "The client has no email address";

    public static Message InvoiceEmail(InvoiceIssued invoice, string dedupeKey, DateTimeOffset now)
    {
        var amountDue = MoneyText.Format(invoice.AmountDue, invoice.Currency);
        var total = MoneyText.Format(invoice.Total, invoice.Currency);
        var dueDate = invoice.DueDate.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture);
        var clientName = $"{invoice.Client.FirstName} {invoice.Client.LastName}".Trim();
        var subject = $"Invoice {invoice.Number} from {invoice.BusinessName}";

        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Hi {invoice.Client.FirstName},\n\n")
            .Append(CultureInfo.InvariantCulture, $"{invoice.BusinessName} has sent you invoice {invoice.Number}.\n\n")
            .Append(CultureInfo.InvariantCulture, $"Amount due: {amountDue}\n")
            .Append(CultureInfo.InvariantCulture, $"Due date: {dueDate}\n\n")
            .Append(CultureInfo.InvariantCulture, $"Pay now: {invoice.PayUrl}\n\n")
            .Append("The invoice is attached as a PDF.\n\n")
            .Append(CultureInfo.InvariantCulture, $"Thank you,\n{invoice.BusinessName}\n")
            .ToString();

        var h = Html(invoice.BusinessName, $"""
            <p style="margin:0 0 16px">Hi {E(invoice.Client.FirstName)},</p>
            <p style="margin:0 0 24px">{E(invoice.BusinessName)} has sent you invoice <strong>{E(invoice.Number)}</strong>.</p>
            <table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;margin:0 0 24px;border-collapse:collapse">
              <tr><td style="padding:6px 0;color:#555">Invoice</td><td style="padding:6px 0;text-align:right">{E(invoice.Number)}</td></tr>
              <tr><td style="padding:6px 0;color:#555">Total</td><td style="padding:6px 0;text-align:right">{E(total)}</td></tr>
              <tr><td style="padding:6px 0;color:#555">Due date</td><td style="padding:6px 0;text-align:right">{E(dueDate)}</td></tr>
              <tr><td style="padding:10px 0;border-top:1px solid #ddd;font-weight:bold">Amount due</td><td style="padding:10px 0;border-top:1px solid #ddd;text-align:right;font-weight:bold;font-size:20px">{E(amountDue)}</td></tr>
            </table>
            <p style="margin:0 0 28px;text-align:center">
              <a href="{E(invoice.PayUrl)}" style="display:inline-block;background:#1a7f37;color:#ffffff;text-decoration:none;font-size:18px;font-weight:bold;padding:16px 48px;border-radius:6px">Pay Now</a>
            </p>
            <p style="margin:0 0 8px;color:#555;font-size:13px">The invoice is attached as a PDF. If the button does not work, open this link: <a href="{E(invoice.PayUrl)}" style="color:#1a7f37">{E(invoice.PayUrl)}</a></p>
            """);

        var message = New(invoice.TenantId, invoice.InvoiceId, MessageChannel.Email, dedupeKey, invoice.Client.Email ?? "", clientName,
            invoice.BusinessName, subject, text, h, AttachmentName(invoice.Number), now);
        return Check(message, invoice.PayUrl);
    }

    public static Message Receipt(InvoicePaid paid, InvoiceIssued? issued, string dedupeKey, DateTimeOffset now)
    {
        var client = paid.Client ?? issued?.Client;
        var business = issued?.BusinessName;
        var amount = MoneyText.Format(paid.AmountPaid, paid.Currency);
        var paidOn = paid.PaidAt.ToString("MMMM d, yyyy", CultureInfo.InvariantCulture);
        var subject = business is null ? $"Receipt for invoice {paid.Number}" : $"Receipt for invoice {paid.Number} from {business}";
        var from = business ?? "us";
        var text = $"Hi {client?.FirstName},\n\nThank you for your payment of {amount} for invoice {paid.Number}, received on {paidOn}. " +
            $"The invoice is paid in full.\n\nThank you,\n{business ?? ""}\n";
        var h = Html(business ?? "Receipt", $"""
            <p style="margin:0 0 16px">Hi {E(client?.FirstName ?? "")},</p>
            <p style="margin:0 0 24px">Thank you for your payment to {E(from)}. Invoice <strong>{E(paid.Number)}</strong> is paid in full.</p>
            <table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;margin:0 0 24px;border-collapse:collapse">
              <tr><td style="padding:6px 0;color:#555">Invoice</td><td style="padding:6px 0;text-align:right">{E(paid.Number)}</td></tr>
              <tr><td style="padding:6px 0;color:#555">Paid on</td><td style="padding:6px 0;text-align:right">{E(paidOn)}</td></tr>
              <tr><td style="padding:10px 0;border-top:1px solid #ddd;font-weight:bold">Amount paid</td><td style="padding:10px 0;border-top:1px solid #ddd;text-align:right;font-weight:bold;font-size:20px">{E(amount)}</td></tr>
            </table>
            """);
        var name = client is null ? null : $"{client.FirstName} {client.LastName}".Trim();
        return Check(New(paid.TenantId, paid.InvoiceId, MessageChannel.Email, dedupeKey, client?.Email ?? "", name, business, subject, text, h, null, now), null);
    }

    public static Message AutomationEmail(SendEmail request, string dedupeKey, DateTimeOffset now)
    {
        var h = Html(null, string.Join("", request.Body.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n")
            .Select(p => $"<p style=\"margin:0 0 16px\">{E(p).Replace("\n", "<br>", StringComparison.Ordinal)}</p>")));
        return Check(New(request.TenantId, request.InvoiceId, MessageChannel.Email, dedupeKey, request.To, null, null, request.Subject, request.Body, h, null, now), null);
    }

    public static Message Sms(SendSms request, string dedupeKey, DateTimeOffset now)
    {
        var message = New(request.TenantId, request.InvoiceId, MessageChannel.Sms, dedupeKey, request.To, null, null, null, request.Body, null, null, now);
        var errors = new ValidationErrors();
        errors.Phone("to", request.To);
        if (string.IsNullOrWhiteSpace(request.To) || errors.Any)
        {
            message.MarkFailed($"Not an E.164 phone number: '{Printable(request.To)}'");
        }
        else if (string.IsNullOrWhiteSpace(request.Body))
        {
            message.MarkFailed("The message is empty");
        }
        return message;
    }

    /// <summary>"INV-000123" attaches as INV-000123.pdf, "000123" as INV-000123.pdf; nothing but safe file-name characters.</summary>
    public static string AttachmentName(string number)
    {
        var safe = new string([.. number.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')]);
        return safe.StartsWith("INV-", StringComparison.OrdinalIgnoreCase) ? $"{safe}.pdf" : $"INV-{safe}.pdf";
    }

    private static Message New(Guid tenantId, Guid? invoiceId, MessageChannel channel, string dedupeKey, string to, string? toName,
        string? fromName, string? subject, string? text, string? html, string? attachment, DateTimeOffset now) => new()
        {
            TenantId = tenantId,
            InvoiceId = invoiceId,
            Channel = channel,
            DedupeKey = dedupeKey,
            To = to.Trim(),
            ToName = toName,
            FromName = fromName,
            Subject = subject,
            Body = text,
            HtmlBody = html,
            AttachmentName = attachment,
            CreatedAt = now,
            NextAttemptAt = now,
        };

    /// <summary>Refuses what could not be sent as it stands; MimeKit encodes headers, and line breaks are refused before that.</summary>
    private static Message Check(Message message, string? payUrl)
    {
        var errors = new ValidationErrors();
        errors.Email("to", message.To, required: false);
        string? reason =
            string.IsNullOrWhiteSpace(message.To) ? NoClientEmail
            : errors.Any ? $"Not a valid email address: '{Printable(message.To)}'"
            : HasLineBreak(message.Subject) ? "The subject must be a single line"
            : HasLineBreak(message.FromName) ? "The business name must be a single line"
            : HasLineBreak(message.ToName) ? "The client's name must be a single line"
            : payUrl is not null && !IsWebUrl(payUrl) ? "The pay link is not an absolute http(s) URL"
            : null;
        if (reason is not null)
        {
            message.MarkFailed(reason);
        }
        return message;
    }

    private static bool HasLineBreak(string? value) => value is not null && value.IndexOfAny(['\r', '\n']) >= 0;

    private static bool IsWebUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static string Printable(string? value) =>
        new string([.. (value ?? "").Take(100).Select(c => char.IsControl(c) ? ' ' : c)]);

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private static string Html(string? businessName, string content) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"></head>
        <body style="margin:0;padding:0;background:#f4f5f7;font-family:Helvetica,Arial,sans-serif;color:#1f2328">
        <table role="presentation" cellpadding="0" cellspacing="0" style="width:100%;background:#f4f5f7"><tr><td style="padding:24px 12px">
        <table role="presentation" cellpadding="0" cellspacing="0" style="max-width:560px;width:100%;margin:0 auto;background:#ffffff;border-radius:8px">
        {(businessName is null ? "" : $"<tr><td style=\"padding:24px 32px;border-bottom:1px solid #eee;font-size:20px;font-weight:bold\">{E(businessName)}</td></tr>")}
        <tr><td style="padding:24px 32px;font-size:15px;line-height:1.5">
        {content}
        </td></tr></table></td></tr></table>
        </body></html>
        """;
}
