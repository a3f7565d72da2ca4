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
public abstract class InboxConsumer<TMessage, TContext>(TContext db, IServiceProvider services) : IConsumer<TMessage>
    where TMessage : IntegrationEvent
    where TContext : DbContext, IMessagingDbContext
{
    protected TContext Db => db;

    public async Task Consume(ConsumeContext<TMessage> context)
    {
        var messageId = context.MessageId ?? context.Message.EventId;
        var consumer = GetType().Name;
        services.GetRequiredService<TenantContext>().Use(context.Message.TenantId);

        if (await db.InboxMessages.AnyAsync(m => m.MessageId == messageId && m.Consumer == consumer, context.CancellationToken))
        {
            return;
        }

        // A failed save fails the whole unit (the message is retried), so EF's savepoint around each save in the
        // transaction would only cost two round trips.
        db.Database.AutoSavepointsEnabled = false;
        var strategy = db.Database.CreateExecutionStrategy();
        await strategy.ExecuteAsync(async () =>
        {
            await using var tx = await db.Database.BeginTransactionAsync(context.CancellationToken);
            await HandleAsync(context.Message, context.CancellationToken);
            db.InboxMessages.Add(new InboxMessage
            {
                MessageId = messageId,
                Consumer = consumer,
                ProcessedAt = services.GetRequiredService<TimeProvider>().GetUtcNow(),
            });
            await db.SaveChangesAsync(context.CancellationToken);
            await tx.CommitAsync(context.CancellationToken);
        });
    }

    /// <summary>Apply the message. Changes are saved by the caller together with the inbox row.</summary>
    protected abstract Task HandleAsync(TMessage message, CancellationToken ct);
}
