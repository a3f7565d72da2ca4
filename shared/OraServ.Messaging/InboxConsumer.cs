using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.ServiceDefaults;

namespace OraServ.Messaging;

/// <summary>
/// A consumer that applies each message once: the inbox row and the consumer's changes (and any events it
/// publishes through the outbox) commit in one transaction. A redelivery finds the inbox row and does nothing;
/// two copies racing end with one unique-key violation, whose retry then finds the row.
/// </summary>
public abstract class InboxConsumer<TMessage, TContext>(TContext db, IServiceProvider services) : IConsumer<TMessage>, IGroupedInboxConsumer
    where TMessage : IntegrationEvent
    where TContext : DbContext, IMessagingDbContext
{
    protected TContext Db => db;

    /// <summary>The scope's services: the message's own, or its group's.</summary>
    protected IServiceProvider Services => services;

    /// <summary>
    /// Whether messages that wait at the same moment may be applied in one transaction (<see cref="InboxGroups"/>). Only
    /// for a handler whose own statements see what an earlier message of the group changed: it works on tracked entities,
    /// or it saves them (<c>SaveChangesAsync</c>, inside the group's transaction) before a statement of its own reads
    /// them; and a clash (the same new row twice) must fail the group rather than be lost.
    /// </summary>
    protected virtual bool AppliesInGroups => false;

    public Task Consume(ConsumeContext<TMessage> context) => ApplyAsync(context);

    /// <summary>
    /// Applies the message once. True when it was applied in a group: the group's consumer then also did its work after
    /// the commit (<see cref="AfterGroupCommitAsync"/>) for it.
    /// </summary>
    protected async Task<bool> ApplyAsync(ConsumeContext<TMessage> context)
    {
        var messageId = context.MessageId ?? context.Message.EventId;
        var consumer = GetType().Name;
        services.GetRequiredService<TenantContext>().Use(context.Message.TenantId);

        if (AppliesInGroups && context.GetRetryAttempt() == 0 && !context.ReceiveContext.Redelivered
            && services.GetService<InboxGroups>() is { } groups
            && await groups.ApplyAsync(GetType(), messageId, context.Message, context.CancellationToken))
        {
            return true;
        }

        if (await db.InboxMessages.AnyAsync(m => m.MessageId == messageId && m.Consumer == consumer, context.CancellationToken))
        {
            return false;
        }

        // A failed save fails the whole unit (the message is retried), so EF's savepoint around each save in the
        // transaction would only cost two round trips.
        db.Database.AutoSavepointsEnabled = false;
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(context.CancellationToken);
            await HandleAsync(context.Message, context.CancellationToken);
            db.InboxMessages.Add(Processed(messageId, consumer));
            await db.SaveChangesAsync(context.CancellationToken);
            await tx.CommitAsync(context.CancellationToken);
        });
        return false;
    }

    /// <summary>
    /// Runs on the group's consumer once the group has committed, with the entities its messages tracked as they were
    /// saved: the work a consumer does after its commit, once for the whole group. When it throws, each message of the
    /// group goes on its own, finds its inbox row, and does that work for itself.
    /// </summary>
    protected virtual Task AfterGroupCommitAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>Apply the message. Changes are saved by the caller together with the inbox row.</summary>
    protected abstract Task HandleAsync(TMessage message, CancellationToken ct);

    async Task IGroupedInboxConsumer.ApplyGroupAsync(IReadOnlyList<InboxGroupItem> items, CancellationToken ct)
    {
        var consumer = GetType().Name;
        var tenant = services.GetRequiredService<TenantContext>();
        var ids = items.Select(i => i.MessageId).Distinct().ToList();
        db.Database.AutoSavepointsEnabled = false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // Waiting long on a row lock would hold up every message of the group: it is rolled back and they go one by one.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL lock_timeout = '1s'", ct);
        var applied = (await db.InboxMessages
            .Where(m => m.Consumer == consumer && ids.Contains(m.MessageId))
            .Select(m => m.MessageId)
            .ToListAsync(ct)).ToHashSet();
        foreach (var item in items)
        {
            if (applied.Add(item.MessageId))
            {
                tenant.Use(item.Message.TenantId);
                await HandleAsync((TMessage)item.Message, ct);
                db.InboxMessages.Add(Processed(item.MessageId, consumer));
            }
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        await AfterGroupCommitAsync(ct);
    }

    private InboxMessage Processed(Guid messageId, string consumer) => new()
    {
        MessageId = messageId,
        Consumer = consumer,
        ProcessedAt = services.GetRequiredService<TimeProvider>().GetUtcNow(),
    };
}
