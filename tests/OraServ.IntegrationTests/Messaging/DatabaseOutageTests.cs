using MassTransit;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Testing;

namespace OraServ.IntegrationTests.Messaging;

/// <summary>PostgreSQL restarting under a consumer (issue #9's fault runs): the work waits for it instead of being parked.</summary>
public sealed class DatabaseOutageTests
{
    private static readonly Guid Tenant = Guid.CreateVersion7();

    [Fact]
    public async Task A_message_consumed_while_PostgreSQL_is_down_is_applied_once_it_is_back_and_not_parked_in_the_error_queue()
    {
        var servers = await TestServers.SharedAsync();
        await using var postgres = new LocalPostgres(Path.Combine(ServerProcess.NewDataRoot(), "postgres"), ServerProcess.FreePort());
        await postgres.StartAsync();
        // Queues of this test's own on the shared broker.
        const string prefix = "pg-outage";
        await using var harness = await MessagingHarness.StartAsync(postgres.ConnectionString("widgets"), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<WidgetVoidedConsumer>(), prefix);
        var rabbit = new RabbitQueues(servers.RabbitMqConnectionString);
        await OutboxTests.WaitForAsync(() => rabbit.ExistsAsync($"{prefix}-widget-voided"), TimeSpan.FromSeconds(30));
        var errorsBefore = await rabbit.MessageCountAsync($"{prefix}-widget-voided_error");
        var widget = Guid.CreateVersion7();
        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Widgets.Add(new Widget { Id = widget, TenantId = Tenant, Name = "voided while the database restarts" });
            return await db.SaveChangesAsync();
        });

        await postgres.StopAsync();
        var message = new InvoiceVoided { TenantId = Tenant, InvoiceId = widget };
        await ((IBus)harness.Services.GetService(typeof(IBus))!).Publish(message, ctx => ctx.MessageId = message.EventId);
        // Longer than the quick retries (under 8 s), as long as the fault run's PostgreSQL restart under load took.
        await Task.Delay(TimeSpan.FromSeconds(15));
        await postgres.StartAsync();

        await OutboxTests.WaitForAsync(async () => await AppliedAsync(harness, widget) == 1, TimeSpan.FromSeconds(60));
        Assert.Equal(errorsBefore, await rabbit.MessageCountAsync($"{prefix}-widget-voided_error"));
    }

    private static Task<int> AppliedAsync(MessagingHarness harness, Guid widget) =>
        harness.InScopeAsync(Tenant, async db =>
        {
            try
            {
                return await db.Widgets.Where(w => w.Id == widget).Select(w => w.Applied).SingleAsync();
            }
            // Not reachable yet: Npgsql's own error, or EF Core's wrapping of it as a transient failure.
            catch (Exception e) when (e is Npgsql.NpgsqlException || e.InnerException is Npgsql.NpgsqlException)
            {
                return -1;
            }
        });
}
