using System.Threading.Channels;
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
    /// <summary>How many messages this instance sends at once.</summary>
    public int Concurrency { get; set; } = 4;
}

/// <summary>
/// Sends queued delivery-log rows. Each attempt first claims the row (a conditional update that moves its next
/// attempt past the lease), sends, then marks it sent and queues EmailSent/SmsSent in the same commit. A sender claims
/// up to <see cref="SendBatch"/> rows in one statement and commits their outcomes together after sending them.
/// A crash between a send and that commit leaves the row queued: it is sent again when the lease runs out.
/// That is a deliberate choice: a rare duplicate email (with the same Message-Id, which mail clients fold) rather than
/// an invoice that silently never arrives.
/// A consumer that has just recorded a message hands its id over (<see cref="Hand"/>) and is done: the
/// <see cref="DeliveryWorker"/>'s senders send it, so a slow mail server holds back emails, never the consumers (and the
/// dashboard pushes behind them). Rows handed over are only a hint; the worker's scan finds every due row in the table.
/// </summary>
public sealed class Deliveries(
    IServiceScopeFactory scopes,
    IOptions<DeliveryOptions> options,
    IOptions<SmtpOptions> smtp,
    TimeProvider time,
    ILogger<Deliveries> logger)
{
    private const int ScanBatch = 500;

    private readonly Channel<Guid> _handed = Channel.CreateBounded<Guid>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Gives a just-queued message to the senders; one that does not fit is found by the next scan.</summary>
    public void Hand(Guid messageId) => _handed.Writer.TryWrite(messageId);

    /// <summary>The messages handed over, in the order they were.</summary>
    public ChannelReader<Guid> Handed => _handed.Reader;

    /// <summary>
    /// Hands the queued messages that are due to the senders, oldest first; returns how many. Skipped while handed
    /// messages are still waiting: those are due rows too, and would only be handed twice.
    /// </summary>
    public async Task<int> HandDueAsync(CancellationToken ct)
    {
        if (_handed.Reader.Count > 0)
        {
            return 0;
        }
        await using var scope = scopes.CreateAsyncScope();
        var now = time.GetUtcNow();
        var due = await scope.ServiceProvider.GetRequiredService<NotificationsDbContext>().Messages.IgnoreQueryFilters()
            .Where(m => m.Status == MessageStatus.Queued && m.NextAttemptAt <= now)
            .OrderBy(m => m.NextAttemptAt).Select(m => m.Id).Take(ScanBatch).ToListAsync(ct);
        due.ForEach(Hand);
        return due.Count;
    }

    /// <summary>Messages one sender claims and records at once.</summary>
    public const int SendBatch = 8;

    /// <summary>
    /// One attempt at each of the messages that is queued, due and not claimed by another attempt: they are claimed in
    /// one statement, sent one after the other, and their outcomes saved in one commit.
    /// </summary>
    public async Task DeliverAsync(IReadOnlyList<Guid> messageIds, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
        var tenant = scope.ServiceProvider.GetRequiredService<TenantContext>();
        var now = time.GetUtcNow();
        // Claimed and read in one statement (not composed further: PostgreSQL takes no UPDATE in a subquery).
        var leaseEnd = now + options.Value.Lease;
        var ids = messageIds.ToArray();
        var claimed = await db.Messages.FromSqlInterpolated($"""
            UPDATE messages SET "NextAttemptAt" = {leaseEnd}, "Attempts" = "Attempts" + 1
            WHERE "Id" = ANY({ids}) AND "Status" = 'Queued' AND "NextAttemptAt" <= {now}
            RETURNING *
            """).IgnoreQueryFilters().ToListAsync(ct);
        var attempted = 0;
        foreach (var message in claimed.OrderBy(m => Array.IndexOf(ids, m.Id)))
        {
            tenant.Use(message.TenantId);
            try
            {
                await AttemptAsync(scope.ServiceProvider, db, message, ct);
                attempted++;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // Left claimed: attempted again when its lease ends. The others' outcomes are still saved.
                db.Entry(message).State = EntityState.Unchanged;
                logger.LogWarning(ex, "Delivering message {MessageId} failed; it stays queued", message.Id);
            }
        }
        if (attempted > 0)
        {
            // Not the caller's token: the messages are out, and their record must not be lost to a cancellation.
            await db.SaveChangesAsync(CancellationToken.None);
        }
    }

    private async Task AttemptAsync(IServiceProvider services, NotificationsDbContext db, Message message, CancellationToken ct)
    {
        var settings = options.Value;
        // Checked at the last moment: a STOP that arrived while the SMS waited (queued, or retrying) still holds it back.
        if (message.Channel == MessageChannel.Sms
            && await db.SmsOptOuts.AsNoTracking().SingleOrDefaultAsync(o => o.Phone == message.To && o.OptedOut, ct) is { } optOut)
        {
            Fail(db, message, SmsKeywords.SuppressedReason(optOut));
            logger.LogInformation("SMS {MessageId} to {To} suppressed: the number opted out", message.Id, message.To);
            return;
        }

        try
        {
            var providerId = message.Channel == MessageChannel.Email
                ? await SendEmailAsync(services, message, ct)
                : await services.GetRequiredService<ISmsSender>().SendAsync(message.To, message.Body ?? "", ct);
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

/// <summary>
/// Sends what is handed over with <see cref="DeliveryOptions.Concurrency"/> senders, and scans for what is due
/// (retries after back-off, and anything a crashed attempt or another instance left queued) every poll interval.
/// </summary>
public sealed class DeliveryWorker(Deliveries deliveries, IOptions<DeliveryOptions> options, ILogger<DeliveryWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll([ScanAsync(stoppingToken), .. Enumerable.Range(0, Math.Max(1, options.Value.Concurrency)).Select(_ => SendAsync(stoppingToken))]);

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await deliveries.Handed.WaitToReadAsync(stoppingToken))
            {
                var batch = new List<Guid>(Deliveries.SendBatch);
                while (batch.Count < Deliveries.SendBatch && deliveries.Handed.TryRead(out var messageId))
                {
                    batch.Add(messageId);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                try
                {
                    await deliveries.DeliverAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Still queued (or claimed until their lease ends): the scan hands them over again.
                    logger.LogWarning(ex, "Delivering {Count} messages failed; they stay queued", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ScanAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await deliveries.HandDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Looking for due messages failed; trying again");
            }
            try
            {
                await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
