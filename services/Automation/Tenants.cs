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
    /// After an issued invoice is saved with its event's time zone (Invoicing's setting of the tenant, the calendar of the
    /// due date): the tenant takes the zone of the newest issued event it knows, its own record or an invoice's, so an
    /// older event arriving late never turns the zone back. True when the zone changed, so that the tenant's pending
    /// reminders are planned again.
    /// <para>
    /// The tenant row is written only when the zone changes (or first comes from an event). An event in the tenant's
    /// current zone only takes a shared lock on it: a tenant's invoices are applied side by side, where an update of the
    /// row on every invoice had them wait for each other's commits (90 ms on average at 50 a second). A change of zone
    /// locks the row exclusively, so it waits for those commits and then sees their invoices among the newest.
    /// </para>
    /// </summary>
    /// <param name="known">The tenant as read earlier in this unit of work (<see cref="EnsureAsync"/>): the locks read it again.</param>
    public async Task<bool> TakeTimeZoneAsync(AutomationTenant known, string? zone, CancellationToken ct)
    {
        var tenantId = known.TenantId;
        if (zone is null)
        {
            return false;
        }
        if (known.TimeZoneFrom is not null && known.TimeZone == zone)
        {
            var shared = await LockAsync(tenantId, exclusive: false, ct);
            if (shared.TimeZone == zone || await NewestAsync(shared, ct) is null)
            {
                return false;
            }
            // The zone changed meanwhile and this invoice is newer than that change: take the row exclusively after all.
        }
        var tenant = await LockAsync(tenantId, exclusive: true, ct);
        if (await NewestAsync(tenant, ct) is not var (newestZone, newestAt))
        {
            return false;
        }
        await db.Tenants.IgnoreQueryFilters().Where(t => t.TenantId == tenantId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.TimeZone, newestZone)
            .SetProperty(t => t.TimeZoneFrom, newestAt)
            .SetProperty(t => t.UpdatedAt, time.GetUtcNow()), ct);
        return newestZone != tenant.TimeZone;
    }

    /// <summary>The zone and time of an issued event newer than the tenant's record whose zone it should take; null when the record stands.</summary>
    private async Task<(string Zone, DateTimeOffset At)?> NewestAsync(AutomationTenant tenant, CancellationToken ct)
    {
        var newest = await db.Invoices.IgnoreQueryFilters()
            .Where(i => i.TenantId == tenant.TenantId && i.IssuedTimeZone != null && i.IssuedEventAt != null)
            .OrderByDescending(i => i.IssuedEventAt)
            .Select(i => new { Zone = i.IssuedTimeZone!, At = i.IssuedEventAt!.Value })
            .FirstOrDefaultAsync(ct);
        if (newest is null || (tenant.TimeZoneFrom is { } from && (newest.At <= from || newest.Zone == tenant.TimeZone)))
        {
            return null;
        }
        return (newest.Zone, newest.At);
    }

    private async Task<AutomationTenant> LockAsync(Guid tenantId, bool exclusive, CancellationToken ct) =>
        await (exclusive
                ? db.Tenants.FromSqlInterpolated($"SELECT * FROM tenants WHERE tenant_id = {tenantId} FOR UPDATE")
                : db.Tenants.FromSqlInterpolated($"SELECT * FROM tenants WHERE tenant_id = {tenantId} FOR SHARE"))
            .IgnoreQueryFilters().AsNoTracking().SingleAsync(ct);

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
