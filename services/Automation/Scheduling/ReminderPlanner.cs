using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace OraServ.Automation;

/// <summary>
/// Writes the reminder schedule: one row per (enabled rule, open invoice) with its due time in UTC, computed by
/// PostgreSQL from the invoice's due date and the tenant's IANA time zone, so that a rule switched on over 10,000
/// open invoices is one statement. Runs inside the caller's transaction.
/// </summary>
public sealed class ReminderPlanner(AutomationDbContext db, TimeProvider time, IOptions<AutomationOptions> options)
{
    /// <summary>
    /// Plans the steps of the tenant's enabled rules (or one rule, one invoice, one trigger) for its open invoices.
    /// A step already sent or skipped stays as it is (exactly once per rule and invoice); a pending one takes the new
    /// due time; a cancelled one (rule switched off, invoice paid and then refunded) is planned again.
    /// </summary>
    public Task<int> PlanAsync(Guid tenantId, Guid? ruleId = null, Guid? invoiceId = null, string? trigger = null, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        var sendAt = settings.SendAt;
        var earliest = now - settings.LatePlanWindow;
        return db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO reminders (rule_id, invoice_id, tenant_id, due_at, status, created_at, updated_at)
            SELECT r.id, i.id, r.tenant_id, d.due_at, 'pending', {now}, {now}
            FROM rules r
            JOIN tenants t ON t.tenant_id = r.tenant_id
            JOIN invoices i ON i.tenant_id = r.tenant_id
            CROSS JOIN LATERAL (SELECT CASE r.trigger_event
                WHEN 'invoice.overdue' THEN ((i.due_date + r.trigger_days) + {sendAt}::time) AT TIME ZONE t.time_zone
                WHEN 'invoice.due_in' THEN ((i.due_date - r.trigger_days) + {sendAt}::time) AT TIME ZONE t.time_zone
                WHEN 'invoice.issued' THEN i.issued_at + make_interval(days => r.trigger_days)
                WHEN 'payment.failed' THEN i.payment_failed_at + make_interval(days => r.trigger_days)
                END AS due_at) d
            WHERE r.tenant_id = {tenantId} AND r.enabled
              AND i.issued AND i.status = 'open' AND NOT i.disputed
              AND ({ruleId}::uuid IS NULL OR r.id = {ruleId}::uuid)
              AND ({invoiceId}::uuid IS NULL OR i.id = {invoiceId}::uuid)
              AND ({trigger}::text IS NULL OR r.trigger_event = {trigger}::text)
              AND d.due_at >= {earliest}
            ON CONFLICT (rule_id, invoice_id) DO UPDATE
              SET due_at = EXCLUDED.due_at, status = 'pending', reason = NULL, updated_at = EXCLUDED.updated_at
              WHERE reminders.status IN ('pending', 'cancelled')
            """, ct);
    }

    /// <summary>Cancels an invoice's pending reminders (paid, voided, disputed).</summary>
    public Task<int> CancelForInvoiceAsync(Guid invoiceId, string reason, CancellationToken ct) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE reminders SET status = 'cancelled', reason = {reason}, updated_at = {time.GetUtcNow()} WHERE invoice_id = {invoiceId} AND status = 'pending'", ct);

    /// <summary>Cancels a rule's pending reminders (switched off).</summary>
    public Task<int> CancelForRuleAsync(Guid ruleId, string reason, CancellationToken ct) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE reminders SET status = 'cancelled', reason = {reason}, updated_at = {time.GetUtcNow()} WHERE rule_id = {ruleId} AND status = 'pending'", ct);
}
