using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OraServ.ServiceDefaults;

namespace OraServ.Invoicing;

public sealed record AgingBuckets(decimal Days0To30, decimal Days31To60, decimal Days61To90, decimal Days90Plus);

public sealed record ReceivablesReport(
    string Currency, decimal Outstanding, int OpenCount, decimal Overdue, int OverdueCount, decimal CollectedThisWeek,
    double? MedianMinutesCompletedToPaid, int PaidLast90Days, AgingBuckets Aging);

/// <summary>The dashboard's figures, computed by PostgreSQL over the tenant's invoices, not in the browser.</summary>
public static class ReportsApi
{
    private sealed record Row(
        decimal Outstanding, int OpenCount, decimal Overdue, int OverdueCount, decimal Collected,
        double? MedianMinutes, int PaidCount, decimal A0, decimal A31, decimal A61, decimal A90);

    public static RouteGroupBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/reports").WithTags("Reports").RequireAuthorization(Roles.DispatcherPolicy);
        api.MapGet("/receivables", Receivables).WithName("Receivables")
            .WithSummary("Outstanding and overdue receivables, collected this week, median time from job completed to paid, aging.");
        return api;
    }

    public static async Task<Ok<ReceivablesReport>> Receivables(
        InvoicingDbContext db, InvoiceWorkflow workflow, HttpContext http, TimeProvider time, CancellationToken ct)
    {
        var profile = TenantProfile.From(http.User);
        var settings = await workflow.SettingsAsync(profile, ct);
        var today = settings.Today(time);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        var local = TimeZoneInfo.ConvertTime(time.GetUtcNow(), zone);
        var weekStartLocal = local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7));
        var weekStart = new DateTimeOffset(weekStartLocal, zone.GetUtcOffset(weekStartLocal)).ToUniversalTime();
        var since = time.GetUtcNow().AddDays(-90);

        var row = (await db.Database.SqlQuery<Row>($"""
            WITH open_invoices AS (
                SELECT "Total" - "AmountPaid" AS due, {today} - "DueDate" AS days_late
                FROM invoices WHERE "TenantId" = {profile.TenantId} AND "Status" = 'Open'
            ), paid AS (
                SELECT EXTRACT(EPOCH FROM ("PaidAt" - "JobCompletedAt")) / 60.0 AS minutes
                FROM invoices
                WHERE "TenantId" = {profile.TenantId} AND "Status" = 'Paid' AND "PaidAt" >= {since} AND "JobCompletedAt" IS NOT NULL
            )
            SELECT
                COALESCE((SELECT SUM(due) FROM open_invoices), 0) AS "Outstanding",
                (SELECT COUNT(*)::int FROM open_invoices) AS "OpenCount",
                COALESCE((SELECT SUM(due) FROM open_invoices WHERE days_late > 0), 0) AS "Overdue",
                (SELECT COUNT(*)::int FROM open_invoices WHERE days_late > 0) AS "OverdueCount",
                COALESCE((SELECT SUM(p."Amount") FROM invoice_payments p JOIN invoices i ON i."Id" = p."InvoiceId"
                          WHERE i."TenantId" = {profile.TenantId} AND p."At" >= {weekStart}), 0) AS "Collected",
                (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes) FROM paid) AS "MedianMinutes",
                (SELECT COUNT(*)::int FROM paid) AS "PaidCount",
                COALESCE((SELECT SUM(due) FROM open_invoices WHERE days_late <= 30), 0) AS "A0",
                COALESCE((SELECT SUM(due) FROM open_invoices WHERE days_late BETWEEN 31 AND 60), 0) AS "A31",
                COALESCE((SELECT SUM(due) FROM open_invoices WHERE days_late BETWEEN 61 AND 90), 0) AS "A61",
                COALESCE((SELECT SUM(due) FROM open_invoices WHERE days_late > 90), 0) AS "A90"
            """).ToListAsync(ct)).Single();

        return TypedResults.Ok(new ReceivablesReport(
            settings.Currency, row.Outstanding, row.OpenCount, row.Overdue, row.OverdueCount, row.Collected,
            row.MedianMinutes is null ? null : Math.Round(row.MedianMinutes.Value, 1), row.PaidCount,
            new AgingBuckets(row.A0, row.A31, row.A61, row.A90)));
    }
}
