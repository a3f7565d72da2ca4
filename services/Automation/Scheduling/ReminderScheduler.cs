using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.Contracts;
using OraServ.Messaging;

namespace OraServ.Automation;

/// <summary>What the scheduler last did; read by tests and diagnostics.</summary>
public sealed class SchedulerStatus
{
    private long _lastTick = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>The clock reading of the last tick that completed.</summary>
    public DateTimeOffset LastTick => new(Interlocked.Read(ref _lastTick), TimeSpan.Zero);

    internal void Ticked(DateTimeOffset now) => Interlocked.Exchange(ref _lastTick, now.UtcTicks);
}

/// <summary>
/// Sends due reminders. Each tick claims due pending rows with FOR UPDATE SKIP LOCKED (another instance skips them),
/// re-checks the invoice, renders the template and, in the same transaction, marks the row sent and writes the
/// SendSms/SendEmail to the outbox. A crash before the commit leaves the row pending, after it the message is in
/// the outbox: no reminder is lost or doubled, and rows that fell due while no instance ran go out at the next tick.
/// </summary>
public sealed class ReminderScheduler(
    IServiceScopeFactory scopes,
    ReminderTemplates templates,
    SchedulerStatus status,
    TimeProvider time,
    IOptions<AutomationOptions> options,
    ILogger<ReminderScheduler> logger) : BackgroundService
{
    private static readonly Meter Meter = new("OraServ.Automation");
    private static readonly Counter<long> Outcomes = Meter.CreateCounter<long>("oraserv.automation.reminders");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await TickAsync(stoppingToken) >= settings.BatchSize)
                {
                    // a backlog (catch-up after downtime): next batch at once
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Reminder tick failed; retrying at the next tick");
            }
            await Task.Delay(settings.TickInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Handles one batch of due reminders; returns how many rows it claimed.</summary>
    public async Task<int> TickAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AutomationDbContext>();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var due = await db.Reminders
            .FromSql($"SELECT * FROM reminders WHERE status = 'pending' AND due_at <= {now} ORDER BY due_at LIMIT {settings.BatchSize} FOR UPDATE SKIP LOCKED")
            .IgnoreQueryFilters()
            .ToListAsync(ct);
        if (due.Count > 0)
        {
            await HandleAsync(db, due, now, ct);
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        status.Ticked(now);
        return due.Count;
    }

    private async Task HandleAsync(AutomationDbContext db, List<Reminder> due, DateTimeOffset now, CancellationToken ct)
    {
        var settings = options.Value;
        var invoiceIds = due.Select(r => r.InvoiceId).Distinct().ToList();
        var ruleIds = due.Select(r => r.RuleId).Distinct().ToList();
        var tenantIds = due.Select(r => r.TenantId).Distinct().ToList();
        var invoices = await db.Invoices.IgnoreQueryFilters().AsNoTracking().Where(i => invoiceIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, ct);
        var rules = await db.Rules.IgnoreQueryFilters().AsNoTracking().Where(r => ruleIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, ct);
        var tenants = await db.Tenants.IgnoreQueryFilters().AsNoTracking().Where(t => tenantIds.Contains(t.TenantId)).ToDictionaryAsync(t => t.TenantId, ct);
        var clientIds = invoices.Values.Select(i => i.ClientId).Distinct().ToList();
        var optedOut = (await db.ClientPreferences.IgnoreQueryFilters().AsNoTracking()
            .Where(p => p.DoNotRemind && clientIds.Contains(p.ClientId))
            .Select(p => new { p.TenantId, p.ClientId }).ToListAsync(ct))
            .Select(p => (p.TenantId, p.ClientId)).ToHashSet();

        foreach (var reminder in due)
        {
            rules.TryGetValue(reminder.RuleId, out var rule);
            invoices.TryGetValue(reminder.InvoiceId, out var invoice);
            tenants.TryGetValue(reminder.TenantId, out var tenant);
            var clock = TenantClock.For(tenant?.TimeZone);
            var outcome = Check(rule, invoice, optedOut);
            if (outcome is not null)
            {
                Close(reminder, outcome.Value.Status, outcome.Value.Reason, now);
                continue;
            }
            if (rule!.Channel == Channels.Sms && clock.OutsideQuietHours(now, settings.QuietHoursStart, settings.QuietHoursEnd) is var allowed && allowed > now)
            {
                reminder.DueAt = allowed;
                reminder.Reason = "quiet_hours";
                reminder.UpdatedAt = now;
                Outcomes.Add(1, new KeyValuePair<string, object?>("outcome", "deferred"));
                continue;
            }
            await SendAsync(db, reminder, rule, invoice!, tenant, clock, now);
        }
    }

    /// <summary>Why a due reminder must not go out, or null when it may.</summary>
    private static (string Status, string Reason)? Check(Rule? rule, InvoiceView? invoice, HashSet<(Guid, Guid)> optedOut) =>
        (rule, invoice) switch
        {
            (null, _) => (ReminderStatus.Cancelled, "rule_deleted"),
            ({ Enabled: false }, _) => (ReminderStatus.Cancelled, "rule_disabled"),
            (_, null or { Issued: false }) => (ReminderStatus.Skipped, "invoice_unknown"),
            (_, { Status: not InvoiceStatus.Open }) => (ReminderStatus.Cancelled, "invoice_" + invoice.Status),
            (_, { Disputed: true }) => (ReminderStatus.Cancelled, "invoice_disputed"),
            (_, { AmountDue: <= 0 }) => (ReminderStatus.Cancelled, "nothing_due"),
            _ when optedOut.Contains((invoice.TenantId, invoice.ClientId)) => (ReminderStatus.Skipped, "do_not_remind"),
            ({ Channel: Channels.Sms }, { ClientPhone: null or "" }) => (ReminderStatus.Skipped, "no_phone"),
            ({ Channel: Channels.Email }, { ClientEmail: null or "" }) => (ReminderStatus.Skipped, "no_email"),
            _ => null,
        };

    private async Task SendAsync(AutomationDbContext db, Reminder reminder, Rule rule, InvoiceView invoice, AutomationTenant? tenant, TenantClock clock, DateTimeOffset now)
    {
        var data = new TemplateData(invoice, TenantLocale.For(invoice.Currency, tenant?.TimeZone), clock.Today(now));
        IntegrationEvent message;
        try
        {
            var body = await templates.RenderAsync(rule.Template, data);
            message = rule.Channel == Channels.Sms
                ? new SendSms { TenantId = invoice.TenantId, InvoiceId = invoice.Id, RuleId = rule.Id, To = invoice.ClientPhone!, Body = body, OccurredAt = now }
                : new SendEmail
                {
                    TenantId = invoice.TenantId, InvoiceId = invoice.Id, RuleId = rule.Id, To = invoice.ClientEmail!, Body = body, OccurredAt = now,
                    Subject = await templates.RenderAsync(rule.Subject ?? $"Invoice {invoice.Number}", data),
                };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Templates are checked at save, so this is a limit hit at render (MaxSteps): skip rather than retry forever.
            logger.LogError(ex, "Rule {RuleId} could not render for invoice {InvoiceId}", rule.Id, invoice.Id);
            Close(reminder, ReminderStatus.Skipped, "template_error", now);
            return;
        }
        db.Publish(message);
        reminder.Status = ReminderStatus.Sent;
        reminder.Reason = null;
        reminder.SentAt = now;
        reminder.MessageId = message.EventId;
        reminder.UpdatedAt = now;
        Outcomes.Add(1, new KeyValuePair<string, object?>("outcome", "sent"), new KeyValuePair<string, object?>("channel", rule.Channel));
    }

    private static void Close(Reminder reminder, string status, string reason, DateTimeOffset now)
    {
        reminder.Status = status;
        reminder.Reason = reason;
        reminder.UpdatedAt = now;
        Outcomes.Add(1, new KeyValuePair<string, object?>("outcome", status));
    }
}
