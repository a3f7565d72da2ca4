using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

/// <summary>
/// A webhook can be lost or delayed for days: intents still unresolved some minutes after creation are read from
/// Stripe and settled from their real status, checked again with growing intervals until resolved or a week old.
/// </summary>
public sealed class Reconciliation(IServiceScopeFactory scopes, IOptions<PaymentsSettings> settings, TimeProvider time, ILogger<Reconciliation> logger) : BackgroundService
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromDays(7);
    private static readonly TimeSpan LongestInterval = TimeSpan.FromHours(6);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Reconciliation round failed");
            }
            await Task.Delay(settings.Value.ReconcileInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Checks every due intent; returns how many were looked up.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        List<Guid> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            due = await db.PaymentIntents.IgnoreQueryFilters()
                .Where(p => p.Status != "succeeded" && p.Status != "canceled" && p.NextCheckAt <= now && p.CreatedAt > now - GiveUpAfter)
                .OrderBy(p => p.NextCheckAt).Select(p => p.Id).Take(100).ToListAsync(ct);
        }
        foreach (var id in due)
        {
            await CheckAsync(id, ct);
        }
        return due.Count;
    }

    private async Task CheckAsync(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var record = await db.PaymentIntents.IgnoreQueryFilters().SingleAsync(p => p.Id == id, ct);
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(record.TenantId);
        var intent = await new PaymentIntentService(scope.ServiceProvider.GetRequiredService<IStripeClient>())
            .GetAsync(record.StripePaymentIntentId, null, new RequestOptions { StripeAccount = record.StripeAccountId }, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (intent.Status == "succeeded")
        {
            var outcome = await scope.ServiceProvider.GetRequiredService<PaymentSettlement>().SucceededAsync(
                intent.Id, intent.LatestChargeId, intent.AmountReceived, intent.Currency, intent.Metadata, time.GetUtcNow(), ct);
            logger.LogInformation("Reconciled payment intent {IntentId}: {Outcome}", intent.Id, outcome);
        }
        record.Status = intent.Status;
        record.Checks++;
        record.UpdatedAt = time.GetUtcNow();
        var interval = TimeSpan.FromTicks(Math.Min(settings.Value.ReconcileAfter.Ticks * (1L << Math.Min(record.Checks, 12)), LongestInterval.Ticks));
        record.NextCheckAt = time.GetUtcNow() + interval;
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }
}
