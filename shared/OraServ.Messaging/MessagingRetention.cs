using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OraServ.Messaging;

/// <summary>
/// Deletes what the outbox and the inbox no longer need, so that neither grows with every event for as long as the
/// service runs: events the broker confirmed longer than <see cref="OutboxSetting"/> ago (7 days by default; kept a
/// while to trace what was sent), and the keys of applied messages older than <see cref="InboxSetting"/> (30 days: a
/// redelivery later than that is no longer caught as a duplicate). Events not yet confirmed are never deleted. Runs every
/// <see cref="IntervalSetting"/> (1 hour), in batches, so that no statement holds many row locks for long.
/// </summary>
public sealed class MessagingRetention<TContext>(
    IServiceScopeFactory scopes,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<MessagingRetention<TContext>> logger) : BackgroundService
    where TContext : DbContext, IMessagingDbContext
{
    public const string OutboxSetting = "Messaging:Retention:Outbox";
    public const string InboxSetting = "Messaging:Retention:Inbox";
    public const string IntervalSetting = "Messaging:Retention:Interval";
    private const int BatchSize = 5_000;

    private TimeSpan Outbox => configuration.GetValue(OutboxSetting, TimeSpan.FromDays(7));
    private TimeSpan Inbox => configuration.GetValue(InboxSetting, TimeSpan.FromDays(30));
    private TimeSpan Interval => configuration.GetValue(IntervalSetting, TimeSpan.FromHours(1));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not at start-up, when the service has its migrations, its consumers and its first requests to see to.
        await Task.Delay(TimeSpan.FromMinutes(1), time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Outbox and inbox retention round failed; trying again in {Interval}", Interval);
            }
            await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>One round: deletes every row past its retention, a batch at a time; how many of each it deleted.</summary>
    public async Task<(int Outbox, int Inbox)> PurgeAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var outboxBefore = now - Outbox;
        var inboxBefore = now - Inbox;
        var outbox = await InBatchesAsync(db => db.OutboxMessages
            .Where(m => m.DispatchedAt != null && m.DispatchedAt < outboxBefore)
            .OrderBy(m => m.Id).Take(BatchSize)
            .ExecuteDeleteAsync(ct));
        var inbox = await InBatchesAsync(db => db.InboxMessages
            .Where(m => m.ProcessedAt < inboxBefore)
            .OrderBy(m => m.ProcessedAt).Take(BatchSize)
            .ExecuteDeleteAsync(ct));
        if (outbox + inbox > 0)
        {
            logger.LogInformation("Retention deleted {Outbox} sent outbox events and {Inbox} inbox keys", outbox, inbox);
        }
        return (outbox, inbox);
    }

    private async Task<int> InBatchesAsync(Func<TContext, Task<int>> deleteBatch)
    {
        var total = 0;
        int deleted;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            deleted = await deleteBatch(scope.ServiceProvider.GetRequiredService<TContext>());
            total += deleted;
        }
        while (deleted == BatchSize);
        return total;
    }
}
