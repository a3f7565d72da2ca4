using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

/// <summary>
/// Works through the stored Stripe events, one per transaction: the event's effects, the integration events they
/// publish (outbox) and its processed mark commit together. Several workers per instance (Stripe:EventWorkers) and any
/// number of instances share the log, yet the events of one ordering key (one payment intent, one account) are worked
/// one at a time in arrival order: a worker claims only the head of a key's queue, the oldest unprocessed event of
/// that key, FOR UPDATE SKIP LOCKED, so a key being worked is skipped by everyone else and its next event waits for the
/// commit. A failing event is retried with back-off and holds back only the events of its own key.
/// </summary>
public sealed class StripeEventProcessor(
    IServiceScopeFactory scopes,
    StripeEventSignal signal,
    IOptions<StripeSettings> settings,
    TimeProvider time,
    ILogger<StripeEventProcessor> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, settings.Value.EventWorkers)).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await ProcessNextAsync(stoppingToken))
                {
                    // There may be more: wake an idle worker too (a pulse wakes one waiter), so a burst is shared.
                    signal.Pulse();
                    continue;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Stripe event processing round failed");
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            await signal.WaitAsync(PollInterval, stoppingToken);
        }
    }

    /// <summary>Processes one due event; false when none is due.</summary>
    public async Task<bool> ProcessNextAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var now = time.GetUtcNow();
        string eventId;
        int attempts;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // The head of a key's queue only: a row locked by another worker is skipped, and so is every later row of its
            // key, since the locked one is still unprocessed (and older) in this statement's snapshot.
            var row = await db.StripeEvents
                .FromSqlInterpolated($"""
                    SELECT * FROM stripe_events e
                    WHERE e.processed_at IS NULL AND (e.next_attempt_at IS NULL OR e.next_attempt_at <= {now})
                      AND NOT EXISTS (
                        SELECT 1 FROM stripe_events older
                        WHERE older.ordering_key = e.ordering_key AND older.processed_at IS NULL
                          AND (older.received_at, older.id) < (e.received_at, e.id))
                    ORDER BY e.received_at, e.id LIMIT 1 FOR UPDATE OF e SKIP LOCKED
                    """)
                .SingleOrDefaultAsync(ct);
            if (row is null)
            {
                return false;
            }
            (eventId, attempts) = (row.Id, row.Attempts);
            try
            {
                var handler = scope.ServiceProvider.GetRequiredService<StripeEventHandler>();
                row.Outcome = await handler.HandleAsync(row, ct);
                row.ProcessedAt = time.GetUtcNow();
                row.Attempts++;
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return true;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(CancellationToken.None);
                logger.LogWarning(ex, "Stripe event {EventId} ({Type}) failed on attempt {Attempt}", row.Id, row.Type, row.Attempts + 1);
                await RecordFailureAsync(eventId, attempts + 1, ex, ct);
                return true;
            }
        }
    }

    private async Task RecordFailureAsync(string eventId, int attempts, Exception ex, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var delay = TimeSpan.FromSeconds(Math.Min(600, Math.Pow(2, Math.Min(attempts, 10))));
        var error = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
        await db.StripeEvents.Where(e => e.Id == eventId).ExecuteUpdateAsync(s => s
            .SetProperty(e => e.Attempts, attempts)
            .SetProperty(e => e.LastError, error)
            .SetProperty(e => e.NextAttemptAt, time.GetUtcNow() + delay), ct);
    }
}

/// <summary>What each kind of Stripe event means for OraServ. Every handler is idempotent and order-independent.</summary>
public sealed class StripeEventHandler(
    PaymentsDbContext db,
    TenantContext tenant,
    PaymentSettlement settlement,
    StripeConnect connect,
    IOptions<StripeSettings> settings,
    ILogger<StripeEventHandler> logger)
{
    public async Task<string> HandleAsync(StripeEventLog row, CancellationToken ct)
    {
        if (row.Livemode != settings.Value.LiveMode)
        {
            logger.LogWarning("Stripe event {EventId} ignored: livemode {Livemode} does not match configuration", row.Id, row.Livemode);
            return "ignored: livemode mismatch";
        }
        if (row.Account is null)
        {
            return "ignored: platform event";
        }
        var account = await db.ConnectedAccounts.IgnoreQueryFilters().SingleOrDefaultAsync(a => a.StripeAccountId == row.Account, ct);
        if (account is null)
        {
            logger.LogWarning("Stripe event {EventId} ignored: account {AccountId} is not a tenant's", row.Id, row.Account);
            return "ignored: unknown account";
        }
        tenant.Use(account.TenantId);
        row.TenantId = account.TenantId;

        var evt = EventUtility.ParseEvent(row.Payload, throwOnApiVersionMismatch: false);
        var occurredAt = new DateTimeOffset(DateTime.SpecifyKind(evt.Created, DateTimeKind.Utc));
        switch (evt.Data.Object)
        {
            case PaymentIntent intent when evt.Type == EventTypes.PaymentIntentSucceeded:
                return await settlement.SucceededAsync(intent.Id, intent.LatestChargeId, intent.AmountReceived, intent.Currency, intent.Metadata, occurredAt, ct);
            case PaymentIntent intent when evt.Type == EventTypes.PaymentIntentPaymentFailed:
                return await settlement.FailedAsync(intent, ct);
            case Charge charge when evt.Type == EventTypes.ChargeRefunded:
                return await settlement.RefundedAsync(account.StripeAccountId, charge, occurredAt, ct);
            case Stripe.Dispute dispute when evt.Type == EventTypes.ChargeDisputeCreated:
                return await settlement.DisputedAsync(account.StripeAccountId, dispute, occurredAt, ct);
            case Stripe.Dispute dispute when evt.Type == EventTypes.ChargeDisputeClosed:
                return await settlement.DisputeClosedAsync(account.StripeAccountId, dispute, ct);
            case Account read when evt.Type == EventTypes.AccountUpdated:
                if (occurredAt.ToUnixTimeSeconds() < account.StatusAsOf.ToUnixTimeSeconds())
                {
                    return "ignored: older than the stored status";
                }
                connect.Apply(account, read, occurredAt);
                return "account status " + account.Status;
            default:
                return "ignored: not handled";
        }
    }
}
