using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OraServ.Messaging;

/// <summary>A wake-up for a background loop that also polls: pulses coalesce into one, a wait ends at the first pulse or the timeout.</summary>
public class WakeSignal
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Pulse() => _signal.Writer.TryWrite(true);

    /// <summary>Waits for a pulse or the timeout, whichever comes first; true when a pulse ended it.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_signal.Reader.TryRead(out _))
        {
            return true;
        }
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timer.CancelAfter(timeout);
        try
        {
            await _signal.Reader.WaitToReadAsync(timer.Token);
            return _signal.Reader.TryRead(out _);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>Wakes the relay as soon as a unit of work with events commits, so events do not wait for the next poll.</summary>
public sealed class OutboxSignal : WakeSignal;

/// <summary>
/// Pulses the relay when events were saved: at once outside a transaction, at the commit inside one. A save without
/// events (a draft, a delivery-log row, the relay marking rows sent) does not wake it: at 50 saves a second, those
/// rounds were an empty claiming transaction each.
/// </summary>
internal sealed class OutboxSignalInterceptor(OutboxSignal signal) : SaveChangesInterceptor
{
    internal static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContext, object> EventsSaved = [];

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && context.ChangeTracker.Entries<OutboxMessage>().Any(e => e.State == EntityState.Added))
        {
            EventsSaved.AddOrUpdate(context, signal);
        }
        return ValueTask.FromResult(result);
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && context.Database.CurrentTransaction is null && EventsSaved.Remove(context))
        {
            signal.Pulse();
        }
        return ValueTask.FromResult(result);
    }
}

internal sealed class OutboxTransactionInterceptor(OutboxSignal signal) : DbTransactionInterceptor
{
    public override Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context && OutboxSignalInterceptor.EventsSaved.Remove(context))
        {
            signal.Pulse();
        }
        return Task.CompletedTask;
    }

    public override Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } context)
        {
            OutboxSignalInterceptor.EventsSaved.Remove(context);
        }
        return Task.CompletedTask;
    }
}

/// <summary>
/// Publishes outbox rows to the broker with publisher confirms, a batch of the oldest at a time. A row is marked dispatched only after
/// the broker confirmed it; a failure leaves it for the next round, with back-off, for as long as it takes.
/// Rows are claimed with FOR UPDATE SKIP LOCKED, so several instances of a service share the work without publishing a row twice.
/// </summary>
public sealed class OutboxRelay<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    TimeProvider time,
    ILogger<OutboxRelay<TContext>> logger) : BackgroundService
    where TContext : DbContext, IMessagingDbContext
{
    private static readonly ActivitySource Source = new("OraServ.Messaging");
    private static readonly Meter Meter = new("OraServ.Messaging");
    private static readonly Counter<long> Published = Meter.CreateCounter<long>("oraserv.outbox.published", "{event}", "Events the broker confirmed, by event type.");
    private static readonly TimeSpan DepthInterval = TimeSpan.FromSeconds(5);
    private const int BatchSize = 100;

    // The outbox's backlog as this relay last measured it: a growing depth or age means events are not getting out.
    private static readonly Lock DepthLock = new();
    private static readonly Dictionary<string, (long Count, double OldestAge)> Depths = [];
    private static readonly ObservableGauge<long> DepthGauge = Meter.CreateObservableGauge("oraserv.outbox.depth",
        () => Observe(d => d.Count), "{event}", "Events written and not yet confirmed by the broker.");
    private static readonly ObservableGauge<double> AgeGauge = Meter.CreateObservableGauge("oraserv.outbox.oldest_age",
        () => Observe(d => d.OldestAge), "s", "Age of the oldest event not yet confirmed by the broker.");
    private DateTimeOffset _depthMeasuredAt = DateTimeOffset.MinValue;
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            int sent;
            try
            {
                sent = await DispatchBatchAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5_000, 200 * Math.Pow(2, Math.Min(failures, 8))));
                logger.LogWarning(ex, "Outbox relay round failed ({Failures} in a row); retrying in {Delay}", failures, delay);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                continue;
            }
            if (sent < BatchSize)
            {
                await MeasureDepthAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await signal.WaitAsync(PollInterval, stoppingToken);
            }
        }
    }

    /// <summary>Publishes one batch; returns how many rows were published.</summary>
    public async Task<int> DispatchBatchAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        db.Database.AutoSavepointsEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var batch = await db.OutboxMessages
            .FromSqlRaw($"SELECT * FROM {MessagingModelExtensions.OutboxTable} WHERE dispatched_at IS NULL ORDER BY id LIMIT {BatchSize} FOR UPDATE SKIP LOCKED")
            .IgnoreQueryFilters()
            .AsNoTracking()
            .ToListAsync(ct);
        if (batch.Count == 0)
        {
            return 0;
        }

        // The batch is published at once and the broker's confirms are awaited together: one round trip per batch, not
        // per event. Consumers never rely on the order of events (they run concurrently anyway).
        var failures = await Task.WhenAll(batch.Select(TryPublishAsync));
        var dispatchedAt = time.GetUtcNow();
        Exception? failure = null;
        var confirmed = new List<Guid>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (failures[i] is not { } ex)
            {
                batch[i].DispatchedAt = dispatchedAt;
                confirmed.Add(batch[i].Id);
                continue;
            }
            // Rare (the broker is probably away: the rest are retried after back-off), so one statement per failed row.
            var (failedId, error) = (batch[i].Id, ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message);
            await db.OutboxMessages.IgnoreQueryFilters().Where(m => m.Id == failedId)
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LastError, error), ct);
            failure ??= ex;
        }
        var sent = confirmed.Count;

        async Task<Exception?> TryPublishAsync(OutboxMessage row)
        {
            try
            {
                await PublishAsync(row, ct);
                return null;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                return ex;
            }
        }
        // One statement for the whole batch: as a save of the tracked rows, it was an UPDATE per event (PostgreSQL ran 300
        // of them per service for 300 paid invoices, pg_stat_statements).
        if (confirmed.Count > 0)
        {
            await db.OutboxMessages.IgnoreQueryFilters().Where(m => confirmed.Contains(m.Id))
                .ExecuteUpdateAsync(set => set.SetProperty(m => m.DispatchedAt, dispatchedAt), ct);
        }
        await tx.CommitAsync(ct);
        foreach (var row in batch.Where(row => row.DispatchedAt is not null))
        {
            Published.Add(1, new KeyValuePair<string, object?>("event", row.Type[(row.Type.LastIndexOf('.') + 1)..]));
        }
        if (failure is not null)
        {
            throw new InvalidOperationException("Publishing from the outbox failed.", failure);
        }
        return sent;
    }

    private async Task MeasureDepthAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        if (now - _depthMeasuredAt < DepthInterval)
        {
            return;
        }
        _depthMeasuredAt = now;
        await using var scope = scopes.CreateAsyncScope();
        var pending = scope.ServiceProvider.GetRequiredService<TContext>().OutboxMessages.IgnoreQueryFilters().Where(m => m.DispatchedAt == null);
        var count = await pending.LongCountAsync(ct);
        var oldest = count == 0 ? null : await pending.MinAsync(m => (DateTimeOffset?)m.OccurredAt, ct);
        lock (DepthLock)
        {
            Depths[typeof(TContext).Name] = (count, oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
        }
    }

    private static IEnumerable<Measurement<T>> Observe<T>(Func<(long Count, double OldestAge), T> value) where T : struct
    {
        lock (DepthLock)
        {
            return [.. Depths.Select(d => new Measurement<T>(value(d.Value), new KeyValuePair<string, object?>("outbox", d.Key)))];
        }
    }

    private async Task PublishAsync(OutboxMessage row, CancellationToken ct)
    {
        var message = row.ToEvent();
        ActivityContext.TryParse(row.TraceParent, null, out var parent);
        using var activity = Source.StartActivity("outbox relay " + message.GetType().Name, ActivityKind.Producer, parent);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(PublishTimeout);
        await bus.Publish(message, message.GetType(), context =>
        {
            context.MessageId = row.Id;
            context.Durable = true;
        }, timeout.Token);
    }
}
