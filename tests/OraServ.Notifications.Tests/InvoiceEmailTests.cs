using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using MimeKit;
using OraServ.Contracts;

namespace OraServ.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed partial class InvoiceEmailTests(NotificationsHost host)
{
    [Fact]
    public async Task An_issued_invoice_is_emailed_with_text_html_the_pdf_attached_and_the_pay_link()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var issued = NotificationsHost.Issued(tenant, to);

        await host.PublishAsync(issued);

        var mail = Assert.Single(await host.Smtp.WaitForAsync(to));
        Assert.Equal("Invoice INV-000123 from Acme Plumbing", mail.Subject);
        var from = Assert.Single(mail.From.Mailboxes);
        Assert.Equal("Acme Plumbing", from.Name);
        Assert.Equal("billing@oraserv.local", from.Address);
        Assert.Equal("Dana Reyes", Assert.Single(mail.To.Mailboxes).Name);

        var mixed = Assert.IsType<Multipart>(mail.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.Equal(2, mixed.Count);
        var alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        var pdf = Assert.IsType<MimePart>(mixed[1]);
        Assert.Equal("application/pdf", pdf.ContentType.MimeType);
        Assert.True(pdf.IsAttachment);
        Assert.Equal("INV-000123.pdf", pdf.FileName);
        using var bytes = new MemoryStream();
        await pdf.Content!.DecodeToAsync(bytes);
        Assert.StartsWith("%PDF-1.4", System.Text.Encoding.ASCII.GetString(bytes.ToArray()));
        Assert.Contains($"Invoice {issued.InvoiceId}", System.Text.Encoding.ASCII.GetString(bytes.ToArray()));

        var html = mail.HtmlBody ?? "";
        var button = PayNowLink().Match(html);
        Assert.True(button.Success, html);
        Assert.Equal(issued.PayUrl, WebUtility.HtmlDecode(button.Groups["href"].Value));
        Assert.Contains("Acme Plumbing", html);
        Assert.Contains("INV-000123", html);
        Assert.Contains("$1,234.50", html);
        Assert.Contains("December 24, 2026", html);
        Assert.Contains("Amount due: $1,234.50", mail.TextBody);
        Assert.Contains("Due date: December 24, 2026", mail.TextBody);
        Assert.Contains(issued.PayUrl, mail.TextBody);

        // Fetched with a service token for the invoice's tenant.
        var fetch = Assert.Single(host.Invoicing.Requests, r => r.InvoiceId == issued.InvoiceId);
        Assert.Equal("service", fetch.Role);
        Assert.Equal(tenant.ToString(), fetch.TenantId);

        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m is [{ Status: "sent" }]);
        Assert.Equal(("email", to, "Invoice INV-000123 from Acme Plumbing"), (log[0].Channel, log[0].To, log[0].Subject));
        Assert.NotNull(log[0].SentAt);
        Assert.Single(await host.OutboxAsync<EmailSent>(tenant));
    }

    [Fact]
    public async Task The_same_InvoiceIssued_delivered_twice_or_published_again_sends_one_email()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var issued = NotificationsHost.Issued(tenant, to);

        await host.PublishAsync(issued);
        await host.PublishAsync(issued);
        await host.PublishAsync(issued with { EventId = Guid.CreateVersion7() });

        await host.Smtp.WaitForAsync(to);
        await Task.Delay(1500);
        Assert.Single(host.Smtp.To(to));
        Assert.Single(await host.MessagesAsync(tenant, issued.InvoiceId));
    }

    [Fact]
    public async Task An_invoice_whose_client_has_no_email_is_logged_as_failed_with_the_reason()
    {
        var tenant = Guid.CreateVersion7();
        var issued = NotificationsHost.Issued(tenant, email: null);

        await host.PublishAsync(issued);

        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m.Count == 1);
        Assert.Equal("failed", log[0].Status);
        Assert.Equal("The client has no email address", log[0].FailureReason);
        Assert.Null(log[0].SentAt);
        var failed = Assert.Single(await host.OutboxAsync<EmailFailed>(tenant));
        Assert.Contains("The client has no email address", failed.Body);
    }

    [Fact]
    public async Task A_line_break_in_the_business_name_is_refused_not_sent_as_a_header()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var issued = NotificationsHost.Issued(tenant, to, business: "Acme\r\nBcc: victim@example.com");

        await host.PublishAsync(issued);

        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m.Count == 1);
        Assert.Equal("failed", log[0].Status);
        Assert.Equal("The subject must be a single line", log[0].FailureReason);
        Assert.Empty(host.Smtp.To(to));
        Assert.Empty(host.Smtp.To("victim@example.com"));
    }

    [Fact]
    public async Task While_the_SMTP_server_is_down_the_email_waits_and_arrives_once_it_is_back()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var issued = NotificationsHost.Issued(tenant, to);
        await host.Smtp.StopAsync();
        try
        {
            await host.PublishAsync(issued);
            var waiting = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m is [{ Status: "queued", Attempts: >= 2 }]);
            Assert.Null(waiting[0].FailureReason);
        }
        finally
        {
            host.Smtp.Start();
        }

        Assert.Single(await host.Smtp.WaitForAsync(to));
        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m is [{ Status: "sent" }]);
        Assert.True(log[0].Attempts >= 2);
    }

    [Fact]
    public async Task A_recipient_the_server_rejects_with_550_is_failed_with_the_reason_and_not_retried()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress(TestSmtpServer.RejectedDomain);
        var issued = NotificationsHost.Issued(tenant, to);

        await host.PublishAsync(issued);

        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m is [{ Status: "failed" }]);
        Assert.Contains("550", log[0].FailureReason);
        await Task.Delay(1500);
        Assert.Single(host.Smtp.RecipientAttempts, r => r == to);
        Assert.Equal(1, (await host.MessagesAsync(tenant, issued.InvoiceId))[0].Attempts);
        Assert.Single(await host.OutboxAsync<EmailFailed>(tenant));
    }

    [Fact]
    public async Task A_burst_of_invoices_with_one_rejected_recipient_sends_every_other_email_once_and_fails_only_that_one()
    {
        // Issued at once, the emails are claimed and recorded several to a commit: the rejected one must not take the
        // others' outcomes with it.
        var tenant = Guid.CreateVersion7();
        var invoices = Enumerable.Range(0, 24).Select(i => NotificationsHost.Issued(tenant,
            i == 11 ? NotificationsHost.NewAddress(TestSmtpServer.RejectedDomain) : NotificationsHost.NewAddress())).ToList();

        await Task.WhenAll(invoices.Select(host.PublishAsync));

        foreach (var issued in invoices)
        {
            var rejected = issued.Client.Email!.EndsWith(TestSmtpServer.RejectedDomain, StringComparison.Ordinal);
            var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m is [{ Status: "sent" or "failed" }]);
            Assert.Equal((rejected ? "failed" : "sent", 1), (log[0].Status, log[0].Attempts));
        }
        await Task.Delay(1500);
        Assert.All(invoices.Where(i => !i.Client.Email!.EndsWith(TestSmtpServer.RejectedDomain, StringComparison.Ordinal)),
            issued => Assert.Single(host.Smtp.To(issued.Client.Email!)));
        Assert.Equal(23, (await host.OutboxAsync<EmailSent>(tenant)).Count);
        Assert.Single(await host.OutboxAsync<EmailFailed>(tenant));
    }

    [Fact]
    public async Task A_paid_invoice_sends_the_client_a_receipt()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var issued = NotificationsHost.Issued(tenant, to);
        await host.PublishAsync(issued);
        await host.Smtp.WaitForAsync(to);

        var paid = new InvoicePaid
        {
            TenantId = tenant, InvoiceId = issued.InvoiceId, Number = issued.Number, AmountPaid = issued.Total, Currency = "USD",
            PaidAt = new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero), Client = issued.Client,
        };
        await host.PublishAsync(paid);
        await host.PublishAsync(paid);

        var mails = await host.Smtp.WaitForAsync(to, count: 2);
        var receipt = Assert.Single(mails, m => m.Subject?.StartsWith("Receipt", StringComparison.Ordinal) == true);
        Assert.Equal("Receipt for invoice INV-000123 from Acme Plumbing", receipt.Subject);
        Assert.Contains("$1,234.50", receipt.TextBody);
        Assert.Contains("December 1, 2026", receipt.HtmlBody);
        await Task.Delay(1000);
        Assert.Equal(2, host.Smtp.To(to).Count);
        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m.Count == 2 && m.All(x => x.Status == "sent"));
        Assert.Equal(receipt.Subject, log[0].Subject); // newest first
    }

    [Fact]
    public async Task A_dispatcher_can_resend_the_invoice_email()
    {
        var tenant = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var issued = NotificationsHost.Issued(tenant, to);
        await host.PublishAsync(issued);
        await host.Smtp.WaitForAsync(to);

        using var api = host.ClientFor(tenant);
        var response = await api.PostAsync($"/api/messages/invoices/{issued.InvoiceId}/resend", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var mails = await host.Smtp.WaitForAsync(to, count: 2);
        Assert.Equal(2, mails.Count);
        Assert.All(mails, m => Assert.Equal("Invoice INV-000123 from Acme Plumbing", m.Subject));
        Assert.Equal("INV-000123.pdf", mails[1].Attachments.OfType<MimePart>().Single().FileName);
        await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m.Count == 2 && m.All(x => x.Status == "sent"));

        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"/api/messages/invoices/{Guid.CreateVersion7()}/resend", null)).StatusCode);
        using var otherTenant = host.ClientFor(Guid.CreateVersion7());
        Assert.Equal(HttpStatusCode.NotFound, (await otherTenant.PostAsync($"/api/messages/invoices/{issued.InvoiceId}/resend", null)).StatusCode);
    }

    [Fact]
    public async Task An_invoice_that_failed_for_want_of_an_address_can_be_resent_to_one()
    {
        var tenant = Guid.CreateVersion7();
        var issued = NotificationsHost.Issued(tenant, email: null);
        await host.PublishAsync(issued);
        await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m is [{ Status: "failed" }]);
        using var api = host.ClientFor(tenant);

        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"/api/messages/invoices/{issued.InvoiceId}/resend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await api.PostAsJsonAsync($"/api/messages/invoices/{issued.InvoiceId}/resend", new { to = "dana@example.com\r\nBcc: x@example.com" })).StatusCode);
        var to = NotificationsHost.NewAddress();
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsJsonAsync($"/api/messages/invoices/{issued.InvoiceId}/resend", new { to })).StatusCode);

        Assert.Equal("INV-000123.pdf", Assert.Single(await host.Smtp.WaitForAsync(to)).Attachments.OfType<MimePart>().Single().FileName);
        var log = await host.WaitForLogAsync(tenant, issued.InvoiceId, m => m.Count == 2 && m[0].Status == "sent");
        Assert.Equal((to, "failed"), (log[0].To, log[1].Status));
    }

    [Fact]
    public async Task A_tenant_sees_only_its_own_delivery_log_and_technicians_none()
    {
        var tenantA = Guid.CreateVersion7();
        var tenantB = Guid.CreateVersion7();
        var issued = NotificationsHost.Issued(tenantA, NotificationsHost.NewAddress());
        await host.PublishAsync(issued);
        await host.WaitForLogAsync(tenantA, issued.InvoiceId, m => m is [{ Status: "sent" }]);

        Assert.Empty(await host.MessagesAsync(tenantB));
        Assert.Empty(await host.MessagesAsync(tenantB, issued.InvoiceId));
        using var technician = host.ClientFor(tenantA, "technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync("/api/messages")).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/messages")).StatusCode);
    }

    [Fact]
    public async Task Automation_requests_send_an_email_and_an_SMS_and_a_bad_number_is_failed()
    {
        var tenant = Guid.CreateVersion7();
        var invoiceId = Guid.CreateVersion7();
        var to = NotificationsHost.NewAddress();
        var email = new SendEmail { TenantId = tenant, InvoiceId = invoiceId, To = to, Subject = "Invoice INV-000123 is overdue", Body = "Hi Dana,\n\nA friendly reminder." };
        var sms = new SendSms { TenantId = tenant, InvoiceId = invoiceId, To = "+15551234567", Body = "INV-000123 is overdue: pay at http://127.0.0.1:8080/pay/x" };
        var badSms = new SendSms { TenantId = tenant, InvoiceId = invoiceId, To = "555-1234", Body = "Reminder" };

        await host.PublishAsync(email);
        await host.PublishAsync(email);
        await host.PublishAsync(sms);
        await host.PublishAsync(badSms);

        var mail = Assert.Single(await host.Smtp.WaitForAsync(to));
        Assert.Equal("Invoice INV-000123 is overdue", mail.Subject);
        Assert.Contains("A friendly reminder.", mail.TextBody);
        var log = await host.WaitForLogAsync(tenant, invoiceId, m => m.Count == 3 && m.All(x => x.Status != "queued"));
        Assert.Equal("sent", Assert.Single(log, m => m.To == "+15551234567").Status);
        var bad = Assert.Single(log, m => m.To == "555-1234");
        Assert.Equal(("sms", "failed"), (bad.Channel, bad.Status));
        Assert.Contains("E.164", bad.FailureReason);
        Assert.Single(await host.OutboxAsync<SmsSent>(tenant));
        Assert.Single(await host.OutboxAsync<SmsFailed>(tenant));
    }

    [GeneratedRegex("<a href=\"(?<href>[^\"]+)\"[^>]*>Pay Now</a>")]
    private static partial Regex PayNowLink();
}
