using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.ServiceDefaults;

namespace OraServ.Automation;

/// <summary>
/// Automation's tenants: created the first time a tenant's rules are read or one of its invoices is issued, with the
/// default reminder rule (switched off) in the same transaction, so a tenant gets it exactly once.
/// </summary>
public sealed class TenantDirectory(AutomationDbContext db, ReminderPlanner planner, TimeProvider time)
{
    /// <summary>
    /// From a request: the token tells the tenant's currency, and its time zone until an invoice event has told it
    /// (old events carry none); a changed time zone re-plans its pending reminders.
    /// </summary>
    public async Task<AutomationTenant> FromProfileAsync(TenantProfile profile, CancellationToken ct)
    {
        var tokenZone = TenantClock.NormalizeId(profile.TimeZone) ?? TenantClock.DefaultTimeZone;
        var tenant = await db.Tenants.SingleOrDefaultAsync(t => t.TenantId == profile.TenantId, ct);
        var zone = tenant?.TimeZoneFrom is null ? tokenZone : tenant.TimeZone;
        if (tenant is not null && tenant.TimeZone == zone && tenant.Currency == profile.Currency &&
            (tenant.BusinessName == profile.BusinessName || profile.BusinessName.Length == 0))
        {
            return tenant;
        }
        return await InTransactionAsync(async () =>
        {
            tenant = await EnsureAsync(profile.TenantId, zone, profile.Currency, profile.BusinessName, ct);
            var zoneChanged = tenant.TimeZone != zone;
            tenant.TimeZone = zone;
            tenant.Currency = profile.Currency;
            tenant.BusinessName = profile.BusinessName.Length > 0 ? profile.BusinessName : tenant.BusinessName;
            tenant.UpdatedAt = time.GetUtcNow();
            await db.SaveChangesAsync(ct);
            if (zoneChanged)
            {
                await planner.PlanAsync(tenant.TenantId, ct: ct);
            }
            return tenant;
        }, ct);
    }

    /// <summary>
    /// From an issued invoice: creates the tenant if it is new and takes the event's time zone (Invoicing's setting of the
    /// tenant, the calendar of the due date) unless a newer event already told one. The caller saves; true when the
    /// zone changed, so that the tenant's pending reminders are planned again.
    /// </summary>
    public async Task<bool> FromInvoiceAsync(InvoiceIssued issued, CancellationToken ct)
    {
        var zone = TenantClock.NormalizeId(issued.TimeZone);
        var tenant = await EnsureAsync(issued.TenantId, zone, issued.Currency, issued.BusinessName, ct);
        if (zone is null || tenant.TimeZoneFrom > issued.OccurredAt)
        {
            return false;
        }
        var changed = tenant.TimeZone != zone;
        tenant.TimeZone = zone;
        tenant.TimeZoneFrom = issued.OccurredAt;
        tenant.UpdatedAt = time.GetUtcNow();
        return changed;
    }

    /// <summary>From an event: creates the tenant (with the default rule) if it is new; a known tenant keeps its settings.</summary>
    public async Task<AutomationTenant> EnsureAsync(Guid tenantId, string? timeZone, string? currency, string? businessName, CancellationToken ct)
    {
        if (await db.Tenants.SingleOrDefaultAsync(t => t.TenantId == tenantId, ct) is { } known)
        {
            return known;
        }
        var now = time.GetUtcNow();
        // Two requests or consumers may meet a new tenant at once: the primary key lets one of them create it.
        var created = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO tenants (tenant_id, time_zone, currency, business_name, created_at, updated_at)
            VALUES ({tenantId}, {timeZone ?? TenantClock.DefaultTimeZone}, {currency ?? "USD"}, {businessName ?? ""}, {now}, {now})
            ON CONFLICT (tenant_id) DO NOTHING
            """, ct);
        if (created == 1)
        {
            db.Rules.Add(Rule.Default(tenantId, now));
            await db.SaveChangesAsync(ct);
        }
        return await db.Tenants.SingleAsync(t => t.TenantId == tenantId, ct);
    }

    private async Task<T> InTransactionAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            return await work();
        }
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var result = await work();
        await tx.CommitAsync(ct);
        return result;
    }
}
