using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Messaging;
using OraServ.Testing;

namespace OraServ.IntegrationTests.Messaging;

public sealed class RetentionTests
{
    [Fact]
    public async Task Sent_events_and_inbox_keys_past_their_retention_are_deleted_but_unsent_and_recent_ones_stay()
    {
        var servers = await TestServers.SharedAsync();
        // No broker answers, so the relay leaves the unsent event unsent.
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("retention")), $"amqp://guest:guest@127.0.0.1:{ServerProcess.FreePort()}/", _ => { });
        var unsent = Guid.CreateVersion7();
        var recentlySent = Guid.CreateVersion7();
        var recentKey = Guid.CreateVersion7();
        await harness.InScopeAsync(Guid.Empty, async db =>
        {
            // More than one batch of sent events 8 days old, and an unsent one as old: a broker down for a week.
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO outbox_messages (id, type, body, occurred_at, dispatched_at, attempts)
                SELECT gen_random_uuid(), 'OraServ.Contracts.InvoiceVoided', jsonb_build_object(), now() - interval '8 days', now() - interval '8 days', 0
                FROM generate_series(1, 5003)
                """);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO outbox_messages (id, type, body, occurred_at, dispatched_at, attempts) VALUES
                ({unsent}, 'OraServ.Contracts.InvoiceVoided', jsonb_build_object(), now() - interval '8 days', NULL, 40),
                ({recentlySent}, 'OraServ.Contracts.InvoiceVoided', jsonb_build_object(), now() - interval '6 days', now() - interval '6 days', 0)
                """);
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO inbox_messages (message_id, consumer, processed_at) VALUES
                (gen_random_uuid(), 'WidgetVoidedConsumer', now() - interval '31 days'),
                (gen_random_uuid(), 'OtherConsumer', now() - interval '45 days'),
                ({recentKey}, 'WidgetVoidedConsumer', now() - interval '29 days')
                """);
            return 0;
        });

        var deleted = await harness.Services.GetRequiredService<MessagingRetention<WidgetDbContext>>().PurgeAsync(CancellationToken.None);

        Assert.Equal((5003, 2), deleted);
        var (outbox, inbox) = await harness.InScopeAsync(Guid.Empty, async db =>
            (await db.OutboxMessages.OrderBy(m => m.Id).Select(m => m.Id).ToListAsync(),
             await db.InboxMessages.Select(m => m.MessageId).ToListAsync()));
        Assert.Equal(new[] { unsent, recentlySent }.Order(), outbox);
        Assert.Equal([recentKey], inbox);
    }

    [Fact]
    public async Task The_outbox_is_vacuumed_once_one_percent_of_its_rows_are_dead()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("vacuum")), servers.RabbitMqConnectionString, _ => { });

        var options = await harness.InScopeAsync(Guid.Empty, db => db.Database
            .SqlQuery<string[]>($"SELECT reloptions AS \"Value\" FROM pg_class WHERE relname = 'outbox_messages'").SingleAsync());

        Assert.Contains("autovacuum_vacuum_scale_factor=0.01", options);
    }
}
