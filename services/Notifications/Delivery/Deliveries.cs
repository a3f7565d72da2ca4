using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications.Delivery;

/// <summary>Back-off of transient failures (section "Notifications:Delivery").</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Notifications:Delivery";
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>A message still not sent this long after it was queued is marked failed.</summary>
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(1);
    /// <summary>How often the worker looks for queued messages that are due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
    /// <summary>How long a claimed message is left alone by other attempts; a process that dies mid-send frees it after this.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>
/// Sends queued delivery-log rows. Each attempt first claims the row (a conditional update that moves its next
/// attempt past the lease), sends, then marks it sent and queues EmailSent/SmsSent in the same commit.
/// A crash between the send and that commit leaves the row queued: it is sent again when the lease runs out.
/// That is a deliberate choice: a rare duplicate email (with the same Message-Id, which mail clients fold) rather than
/// an invoice that silently never arrives.
/// </summary>
public sealed class Deliveries(
    IServiceScopeFactory scopes,
    IOptions<DeliveryOptions> options,
    IOptions<SmtpOptions> smtp,
    TimeProvider time,
    ILogger<Deliveries> logger)
{
    private readonly System.Threading.Channels.Channel<bool> _wake = System.Threading.Channels.Channel.CreateBounded<bool>(
        new System.Threading.Channels.BoundedChannelOptions(1) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropWrite });

    /// <summary>Asks the worker to look for due messages now.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _wake.Reader.WaitToReadAsync(timer.Token);
            _wake.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Sends the messages that are due, oldest first; returns how many were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken ct)
    {
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var now = time.GetUtcNow();
            due = await scope.ServiceProvider.GetRequiredService<NotificationsDbContext>().Messages.IgnoreQueryFilters()
                .Where(m => m.Status == MessageStatus.Queued && m.NextAttemptAt <= now)
                .OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(50).ToListAsync(ct);
        }
        foreach (var id in due)
        {
            await DeliverAsync(id, ct);
        }
        return due.Count;
    }

    /// <summary>One attempt at a message, if it is queued, due and not claimed by another attempt.</summary>
    public async Task DeliverAsync(Guid messageId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
        var settings = options.Value;
        var now = time.GetUtcNow();
        // Claimed and read in one statement (not composed further: PostgreSQL takes no UPDATE in a subquery).
        var leaseEnd = now + settings.Lease;
        var claimed = await db.Messages.FromSqlInterpolated($"""
            UPDATE messages SET "NextAttemptAt" = {leaseEnd}, "Attempts" = "Attempts" + 1
            WHERE "Id" = {messageId} AND "Status" = 'Queued' AND "NextAttemptAt" <= {now}
            RETURNING *
            """).IgnoreQueryFilters().ToListAsync(ct);
        if (claimed is not [var message])
        {
            return;
        }
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(message.TenantId);
        // Checked at the last moment: a STOP that arrived while the SMS waited (queued, or retrying) still holds it back.
        if (message.Channel == MessageChannel.Sms
            && await db.SmsOptOuts.AsNoTracking().SingleOrDefaultAsync(o => o.Phone == message.To && o.OptedOut, ct) is { } optOut)
        {
            Fail(db, message, SmsKeywords.SuppressedReason(optOut));
            await db.SaveChangesAsync(CancellationToken.None);
            logger.LogInformation("SMS {MessageId} to {To} suppressed: the number opted out", message.Id, message.To);
            return;
        }

        try
        {
            var providerId = message.Channel == MessageChannel.Email
                ? await SendEmailAsync(scope.ServiceProvider, message, ct)
                : await scope.ServiceProvider.GetRequiredService<ISmsSender>().SendAsync(message.To, message.Body ?? "", ct);
            // Not the request's token: the message is out, and its record must not be lost to a cancelled request.
            message.MarkSent(time.GetUtcNow(), providerId);
            db.Publish(message.Channel == MessageChannel.Email
                ? new EmailSent { TenantId = message.TenantId, MessageId = message.Id, InvoiceId = message.InvoiceId, To = message.To }
                : new SmsSent { TenantId = message.TenantId, MessageId = message.Id, InvoiceId = message.InvoiceId, To = message.To });
            logger.LogInformation("{Channel} {MessageId} sent to {To} (attempt {Attempt})", message.Channel, message.Id, message.To, message.Attempts);
        }
        catch (PermanentDeliveryException ex)
        {
            Fail(db, message, ex.Message);
            logger.LogWarning("{Channel} {MessageId} to {To} failed: {Reason}", message.Channel, message.Id, message.To, ex.Message);
        }
        catch (TransientDeliveryException ex) when (time.GetUtcNow() - message.CreatedAt >= settings.GiveUpAfter)
        {
            Fail(db, message, $"Gave up after {message.Attempts} attempts: {ex.Message}");
        }
        catch (TransientDeliveryException ex)
        {
            var delay = TimeSpan.FromTicks(Math.Min(settings.RetryMaxDelay.Ticks,
                settings.RetryBaseDelay.Ticks * (long)Math.Pow(2, Math.Min(message.Attempts - 1, 20))));
            message.RetryAt(time.GetUtcNow() + delay, ex.Message);
            logger.LogWarning("{Channel} {MessageId} to {To}: {Error}; attempt {Attempt} again in {Delay}",
                message.Channel, message.Id, message.To, ex.Message, message.Attempts + 1, delay);
        }
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>Marks a message failed and queues EmailFailed/SmsFailed; the caller saves.</summary>
    public static void Fail(NotificationsDbContext db, Message message, string reason)
    {
        message.MarkFailed(reason);
        PublishFailed(db, message);
    }

    /// <summary>Queues EmailFailed/SmsFailed for a message already marked failed; the caller saves.</summary>
    public static void PublishFailed(NotificationsDbContext db, Message message) =>
        db.Publish(message.Channel == MessageChannel.Email
            ? new EmailFailed { TenantId = message.TenantId, MessageId = message.Id, InvoiceId = message.InvoiceId, To = NullIfEmpty(message.To), Reason = message.FailureReason! }
            : new SmsFailed { TenantId = message.TenantId, MessageId = message.Id, InvoiceId = message.InvoiceId, To = NullIfEmpty(message.To), Reason = message.FailureReason! });

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private async Task<string> SendEmailAsync(IServiceProvider services, Message message, CancellationToken ct)
    {
        var mime = await ComposeAsync(services, message, ct);
        return await services.GetRequiredService<IEmailSender>().SendAsync(mime, ct);
    }

    private async Task<MimeMessage> ComposeAsync(IServiceProvider services, Message message, CancellationToken ct)
    {
        if (!MailboxAddress.TryParse(smtp.Value.From, out var from))
        {
            throw new TransientDeliveryException($"Smtp:From is not an address: '{smtp.Value.From}'");
        }
        if (!string.IsNullOrWhiteSpace(message.FromName))
        {
            from = new MailboxAddress(message.FromName, from.Address);
        }
        if (!MailboxAddress.TryParse(message.To, out var to))
        {
            throw new PermanentDeliveryException($"Not a valid email address: '{message.To}'");
        }
        to = new MailboxAddress(message.ToName ?? "", to.Address);

        var mime = new MimeMessage { Subject = message.Subject ?? "" };
        mime.From.Add(from);
        mime.To.Add(to);
        // The same id on every attempt: a duplicate after a crash is recognisably the same email.
        mime.MessageId = $"{message.Id:N}@{from.Domain}";
        var alternative = new MultipartAlternative
        {
            new TextPart("plain") { Text = message.Body ?? "" },
        };
        if (message.HtmlBody is not null)
        {
            alternative.Add(new TextPart("html") { Text = message.HtmlBody });
        }
        if (message.AttachmentName is null || message.InvoiceId is not { } invoiceId)
        {
            mime.Body = alternative;
            return mime;
        }
        byte[] pdf;
        try
        {
            pdf = await services.GetRequiredService<InvoicePdfClient>().GetAsync(message.TenantId, invoiceId, ct);
        }
        catch (InvoicePdfUnavailableException ex)
        {
            throw ex.Permanent ? new PermanentDeliveryException(ex.Message, ex) : new TransientDeliveryException(ex.Message, ex);
        }
        mime.Body = new Multipart("mixed")
        {
            alternative,
            new MimePart("application", "pdf")
            {
                Content = new MimeContent(new MemoryStream(pdf)),
                ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
                ContentTransferEncoding = ContentEncoding.Base64,
                FileName = message.AttachmentName,
            },
        };
        return mime;
    }
}

/// <summary>Sends what is due: retries after back-off, and anything a crashed attempt left queued.</summary>
public sealed class DeliveryWorker(Deliveries deliveries, IOptions<DeliveryOptions> options, ILogger<DeliveryWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await deliveries.DeliverDueAsync(stoppingToken) > 0)
                {
                    continue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Delivery round failed; trying again");
            }
            try
            {
                await deliveries.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
