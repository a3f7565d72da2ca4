using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.ServiceDefaults;
using Stripe;

namespace OraServ.Payments;

/// <summary>
/// Works through the stored Stripe events: an event's effects, the integration events they publish (outbox) and its
/// processed mark commit together, in one transaction with up to 19 other events where their handlers need no call to
/// Stripe (<see cref="ProcessBatchAsync"/>), otherwise on its own. Several workers per instance (Stripe:EventWorkers) and any
/// number of instances share the log, yet the events of one ordering key (one payment intent, one account) are worked
/// one at a time in arrival order: an event is worked only as the head of its key's queue, the oldest unprocessed event
/// of that key, locked FOR UPDATE SKIP LOCKED, so a key being worked is skipped by everyone else and its next event
/// waits for the commit. A failing event is retried with back-off and holds back only the events of its own key.
/// <para>
/// An event stored by this instance is handed to the workers by its id (<see cref="StripeEventSignal.Stored"/>) and
/// claimed by its primary key; when it is done, the next event of its key, if one is waiting, is handed on the same way.
/// The scan for the oldest due event of any key runs at most once a poll interval per worker, when nothing is handed to it,
/// and at start: it finds what no hand-off covers (events stored by an instance that stopped, retries that fell due).
/// Scanning after every event cost more than the event itself under a burst: the pending index still holds the entries
/// of the events processed since the last vacuum, and each scan walked them all (1,300 buffers per claim at 100/s).
/// </para>
/// </summary>
public sealed class StripeEventProcessor(
    IServiceScopeFactory scopes,
    StripeEventSignal signal,
    IOptions<StripeSettings> settings,
    TimeProvider time,
    ILogger<StripeEventProcessor> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(2);
    private const int ScanCandidates = 100;
    private const int BatchSize = 20;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Max(1, settings.Value.EventWorkers)).Select(_ => WorkAsync(stoppingToken)));

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var scanAt = DateTimeOffset.MinValue; // at start: what was stored before this instance ran
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var handed = new List<string>(BatchSize);
                while (handed.Count < BatchSize && signal.TryTakeStored(out var eventId))
                {
                    handed.Add(eventId);
                }
                if (handed.Count > 0)
                {
                    // Pulses coalesce: wake another worker for the rest of a burst.
                    if (signal.HasStored)
                    {
                        signal.Pulse();
                    }
                    await ProcessBatchAsync(handed, stoppingToken);
                    continue;
                }
                if (time.GetUtcNow() >= scanAt)
                {
                    if (await ProcessNextAsync(stoppingToken))
                    {
                        // There may be more: this worker scans again, and an idle one whose scan is due joins in.
                        signal.Pulse();
                        continue;
                    }
                    scanAt = time.GetUtcNow() + PollInterval;
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

    /// <summary>
    /// Processes the oldest due events that are the heads of their keys' queues (each worked one hands on the next of
    /// its key); false when none was. The candidates are read first and then claimed one by one by their id: a single
    /// claiming query with the "no older event of its key" test planned as an anti-join over every pending event, 60-70 ms
    /// a scan with 10,000 pending. Every candidate is tried, not only up to the first worked: each scan reads the index
    /// entry of every pending event, so one scan should work as many as it can.
    /// </summary>
    public async Task<bool> ProcessNextAsync(CancellationToken ct)
    {
        List<string> candidates;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            var now = time.GetUtcNow();
            candidates = await db.StripeEvents
                .Where(e => e.ProcessedAt == null && (e.NextAttemptAt == null || e.NextAttemptAt <= now))
                .OrderBy(e => e.ReceivedAt).ThenBy(e => e.Id)
                .Select(e => e.Id)
                .Take(ScanCandidates)
                .ToListAsync(ct);
        }
        var worked = false;
        foreach (var batch in candidates.Chunk(BatchSize))
        {
            worked |= await ProcessBatchAsync(batch, ct);
        }
        return worked;
    }

    /// <summary>
    /// Works these events in one transaction where it can: the payment and account events whose handlers only read and
    /// write this database, each still only as the head of its key's queue, with one lock statement, one ordering check,
    /// one save and one commit for all of them instead of a transaction each. Under a burst that is most of what an
    /// event cost (seven round trips to PostgreSQL each, perf: two thirds of Payments' CPU in the ingest benchmark).
    /// Events whose handlers call Stripe (refunds, disputes) are worked one at a time after it, so that a slow Stripe
    /// never holds up the others. When the batch fails (a bad event, a row lock held elsewhere for over a
    /// second), it is rolled back and its events are worked one at a time, a few at once: the
    /// failing one is then retried with back-off on its own and the others are not held up behind it.
    /// </summary>
    public async Task<bool> ProcessBatchAsync(IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        if (eventIds.Count == 1)
        {
            return await ProcessAsync(eventIds[0], ct);
        }
        (IReadOnlyList<string> Keys, IReadOnlyList<string> OneByOne) batch;
        try
        {
            batch = await ClaimAndProcessBatchAsync(eventIds, ct);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            logger.LogInformation("A batch of {Count} Stripe events failed ({Error}); working them one at a time", eventIds.Count, ex.Message);
            var worked = 0;
            await Parallel.ForEachAsync(eventIds, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (id, token) =>
            {
                if (await ProcessAsync(id, token))
                {
                    Interlocked.Increment(ref worked);
                }
            });
            return worked > 0;
        }

        var any = batch.Keys.Count > 0;
        foreach (var id in batch.OneByOne)
        {
            any |= await ProcessAsync(id, ct);
        }
        if (batch.Keys.Count > 0)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
            var next = await db.Database.SqlQuery<string>($"""
                SELECT DISTINCT ON (ordering_key) id AS "Value" FROM stripe_events
                WHERE ordering_key = ANY({batch.Keys.ToArray()}) AND processed_at IS NULL
                ORDER BY ordering_key, received_at, id
                """).ToListAsync(ct);
            next.ForEach(signal.Stored);
        }
        return any;
    }

    /// <summary>The event types worked in batches: their handlers make no call to Stripe.</summary>
    private static bool Batchable(string type) =>
        type is EventTypes.PaymentIntentSucceeded or EventTypes.PaymentIntentPaymentFailed or EventTypes.AccountUpdated;

    /// <summary>
    /// Claims and works the batchable heads among these events in one transaction: the keys of the events it worked, and
    /// the claimable events left to work one at a time (their handlers call Stripe).
    /// </summary>
    private async Task<(IReadOnlyList<string> Keys, IReadOnlyList<string> OneByOne)> ClaimAndProcessBatchAsync(IReadOnlyList<string> eventIds, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        db.Database.AutoSavepointsEnabled = false;
        // The handlers look up what the batch loaded or added (DbSet.Local); each look-up compared every tracked entity
        // with its snapshot (13 % of Payments' CPU in the ingest benchmark, perf). Changes are detected once, before the save.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // A row lock another transaction holds (a dispatcher's refund, a reconciliation) is waited for a second at most;
        // then the batch fails and its events are worked one at a time, so the wait holds up only its own event.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL lock_timeout = '1s'", ct);
        var now = time.GetUtcNow();
        var ids = eventIds.ToArray();
        var due = (await db.StripeEvents.FromSqlInterpolated($"SELECT * FROM stripe_events WHERE id = ANY({ids}) FOR UPDATE SKIP LOCKED").ToListAsync(ct))
            .Where(row => row.ProcessedAt is null && !(row.NextAttemptAt > now))
            .ToList();
        var oneByOne = due.Where(row => !Batchable(row.Type)).Select(row => row.Id).ToList();
        var candidates = due.Where(row => Batchable(row.Type)).ToList();
        if (candidates.Count == 0)
        {
            return ([], oneByOne);
        }
        // As for a single event: an event waits while an older event of its key is unprocessed, also one in this batch
        // (it is handed on when that one is done). A LATERAL ... LIMIT 1 per event, which the planner cannot turn into a
        // join: as an EXISTS it planned a semi-join that read every pending event once per batch.
        var candidateIds = candidates.Select(row => row.Id).ToArray();
        var held = (await db.Database.SqlQuery<string>($"""
            SELECT e.id AS "Value" FROM stripe_events e
            CROSS JOIN LATERAL (
                SELECT 1 FROM stripe_events o
                WHERE o.ordering_key = e.ordering_key AND o.processed_at IS NULL AND (o.received_at, o.id) < (e.received_at, e.id)
                LIMIT 1) AS older
            WHERE e.id = ANY({candidateIds})
            """).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var work = candidates.Where(row => !held.Contains(row.Id)).OrderBy(row => row.ReceivedAt).ThenBy(row => row.Id, StringComparer.Ordinal).ToList();
        if (work.Count == 0)
        {
            return ([], oneByOne);
        }
        await scope.ServiceProvider.GetRequiredService<PaymentSettlement>().PreloadAsync(
            [.. work.Where(row => row.Type != EventTypes.AccountUpdated).Select(row => row.OrderingKey)], ct);
        var handler = scope.ServiceProvider.GetRequiredService<StripeEventHandler>();
        foreach (var row in work)
        {
            row.Outcome = await handler.HandleAsync(row, ct);
            row.ProcessedAt = time.GetUtcNow();
            row.Attempts++;
        }
        db.ChangeTracker.DetectChanges();
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return ([.. work.Select(row => row.OrderingKey).Distinct(StringComparer.Ordinal)], oneByOne);
    }

    /// <summary>
    /// Processes the event with this id if it is unprocessed, due, unlocked and the head of its key's queue; otherwise
    /// leaves it (whoever works the older event of its key hands this one on). True when it was worked.
    /// </summary>
    public async Task<bool> ProcessAsync(string eventId, CancellationToken ct)
    {
        var (claimed, processedKey) = await ClaimAndProcessAsync(eventId, ct);
        if (processedKey is not { } orderingKey)
        {
            return claimed;
        }
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        var next = await db.StripeEvents
            .Where(e => e.OrderingKey == orderingKey && e.ProcessedAt == null)
            .OrderBy(e => e.ReceivedAt).ThenBy(e => e.Id)
            .Select(e => e.Id)
            .FirstOrDefaultAsync(ct);
        if (next is not null)
        {
            signal.Stored(next);
        }
        return true;
    }

    /// <summary>Claims the event and works it: whether it was claimed, and its key if it was processed (not failed).</summary>
    private async Task<(bool Claimed, string? ProcessedKey)> ClaimAndProcessAsync(string id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        int attempts;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // Two statements, each with one index to plan by: lock the row by its primary key (a row another worker holds
            // is skipped), then work it only if it is still due and no older event of its key is unprocessed (one locked by
            // another worker still is, in this statement's snapshot). As a single statement the planner, which usually saw
            // the log with nothing pending and so takes the pending index to be empty, walked every pending event for each
            // claim (1,500 index entries per event in a burst of 1,200).
            var row = await db.StripeEvents.FromSqlInterpolated($"SELECT * FROM stripe_events WHERE id = {id} FOR UPDATE SKIP LOCKED")
                .SingleOrDefaultAsync(ct);
            if (row is null || row.ProcessedAt is not null || row.NextAttemptAt > time.GetUtcNow())
            {
                return (false, null);
            }
            if (await db.Database.SqlQuery<bool>($"""
                SELECT EXISTS (
                    SELECT 1 FROM stripe_events
                    WHERE ordering_key = {row.OrderingKey} AND processed_at IS NULL AND (received_at, id) < ({row.ReceivedAt}, {id})) AS "Value"
                """).SingleAsync(ct))
            {
                return (false, null);
            }
            attempts = row.Attempts;
            try
            {
                var handler = scope.ServiceProvider.GetRequiredService<StripeEventHandler>();
                row.Outcome = await handler.HandleAsync(row, ct);
                row.ProcessedAt = time.GetUtcNow();
                row.Attempts++;
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
                return (true, row.OrderingKey);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                await tx.RollbackAsync(CancellationToken.None);
                logger.LogWarning(ex, "Stripe event {EventId} ({Type}) failed on attempt {Attempt}", id, row.Type, attempts + 1);
                await RecordFailureAsync(id, attempts + 1, ex, ct);
                return (true, null);
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
    ConnectedAccountTenants accounts,
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
        if (await accounts.TenantOfAsync(db, row.Account, ct) is not { } tenantId)
        {
            logger.LogWarning("Stripe event {EventId} ignored: account {AccountId} is not a tenant's", row.Id, row.Account);
            return "ignored: unknown account";
        }
        tenant.Use(tenantId);
        row.TenantId = tenantId;

        var evt = EventUtility.ParseEvent(row.Payload, throwOnApiVersionMismatch: false);
        var occurredAt = new DateTimeOffset(DateTime.SpecifyKind(evt.Created, DateTimeKind.Utc));
        switch (evt.Data.Object)
        {
            case PaymentIntent intent when evt.Type == EventTypes.PaymentIntentSucceeded:
                return await settlement.SucceededAsync(intent.Id, intent.LatestChargeId, intent.AmountReceived, intent.Currency, intent.Metadata, occurredAt, ct);
            case PaymentIntent intent when evt.Type == EventTypes.PaymentIntentPaymentFailed:
                return await settlement.FailedAsync(intent, ct);
            case Charge charge when evt.Type == EventTypes.ChargeRefunded:
                return await settlement.RefundedAsync(row.Account, charge, occurredAt, ct);
            case Stripe.Dispute dispute when evt.Type == EventTypes.ChargeDisputeCreated:
                return await settlement.DisputedAsync(row.Account, dispute, occurredAt, ct);
            case Stripe.Dispute dispute when evt.Type == EventTypes.ChargeDisputeClosed:
                return await settlement.DisputeClosedAsync(row.Account, dispute, ct);
            case Account read when evt.Type == EventTypes.AccountUpdated:
                var account = await db.ConnectedAccounts.SingleAsync(a => a.StripeAccountId == row.Account, ct);
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

/// <summary>
/// Which tenant a connected account belongs to, read once per account: every Connect event names its account, and an
/// account is created for one tenant and stays that tenant's (accounts are never moved or deleted), so a known answer
/// never goes stale. Unknown accounts are not remembered: the account may be recorded a moment later.
/// </summary>
public sealed class ConnectedAccountTenants
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Guid> _tenants = new(StringComparer.Ordinal);

    public async Task<Guid?> TenantOfAsync(PaymentsDbContext db, string stripeAccountId, CancellationToken ct)
    {
        if (_tenants.TryGetValue(stripeAccountId, out var known))
        {
            return known;
        }
        var tenantId = await db.ConnectedAccounts.IgnoreQueryFilters().Where(a => a.StripeAccountId == stripeAccountId)
            .Select(a => (Guid?)a.TenantId).SingleOrDefaultAsync(ct);
        if (tenantId is { } found)
        {
            _tenants.TryAdd(stripeAccountId, found);
        }
        return tenantId;
    }
}
