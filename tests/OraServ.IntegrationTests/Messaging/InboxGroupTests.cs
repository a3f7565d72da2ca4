using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Testing;
using static OraServ.IntegrationTests.Messaging.OutboxTests;

namespace OraServ.IntegrationTests.Messaging;

/// <summary>Consumers that opt in apply the messages waiting at the same moment in one transaction.</summary>
public sealed class InboxGroupTests
{
    private static readonly Guid Tenant = Guid.CreateVersion7();

    [Fact]
    public async Task A_burst_is_applied_once_per_message_with_far_fewer_transactions_than_messages()
    {
        const int burst = 200;
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("groups")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<GroupedWidgetVoidedConsumer>());
        await WaitForAsync(() => new RabbitQueues(servers.RabbitMqConnectionString).ExistsAsync("grouped-widget-voided"), TimeSpan.FromSeconds(30));
        var widgets = await WidgetsAsync(harness, burst);

        // Each message is sent twice with its id, as a broker may deliver it: the copies land in the same or another group.
        var endpoint = await harness.Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri("queue:grouped-widget-voided"));
        var messages = widgets.Select(w => new InvoiceVoided { TenantId = Tenant, InvoiceId = w.Id }).ToList();
        await Task.WhenAll(messages.Concat(messages).Select(m => endpoint.Send(m, ctx => ctx.MessageId = m.EventId)));

        await WaitForAsync(() => harness.InScopeAsync(Tenant, async db => await db.Widgets.CountAsync(w => w.Applied > 0) == burst), TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.All(await harness.InScopeAsync(Tenant, db => db.Widgets.Select(w => w.Applied).ToListAsync()), applied => Assert.Equal(1, applied));
        Assert.Equal(burst, await harness.InScopeAsync(Tenant, db => db.InboxMessages.CountAsync()));
        // One at a time, each message is a transaction of its own: the 200 widgets would carry 200 writing transactions.
        var perMessage = await WritingTransactionsAsync(harness) / (double)burst;
        Assert.True(perMessage < 0.5, $"{perMessage:F2} transactions per message");
    }

    [Fact]
    public async Task A_message_that_cannot_be_applied_fails_alone_and_the_others_of_its_group_are_applied_once()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("groups")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<GroupedWidgetVoidedConsumer>());
        var rabbit = new RabbitQueues(servers.RabbitMqConnectionString);
        await WaitForAsync(() => rabbit.ExistsAsync("grouped-widget-voided"), TimeSpan.FromSeconds(30));
        var errorsBefore = await rabbit.MessageCountAsync("grouped-widget-voided_error");
        var widgets = await WidgetsAsync(harness, 30);

        // A widget that does not exist: applying it fails, in a group or alone, however often it is tried.
        var messages = widgets.Select(w => new InvoiceVoided { TenantId = Tenant, InvoiceId = w.Id }).ToList();
        messages.Insert(15, new InvoiceVoided { TenantId = Tenant, InvoiceId = Guid.CreateVersion7() });
        await harness.InScopeAsync(Tenant, async db =>
        {
            messages.ForEach(m => db.Publish(m));
            return await db.SaveChangesAsync();
        });

        await WaitForAsync(async () => await rabbit.MessageCountAsync("grouped-widget-voided_error") == errorsBefore + 1, TimeSpan.FromSeconds(60));
        Assert.All(await harness.InScopeAsync(Tenant, db => db.Widgets.Select(w => w.Applied).ToListAsync()), applied => Assert.Equal(1, applied));
        Assert.Equal(widgets.Count, await harness.InScopeAsync(Tenant, db => db.InboxMessages.CountAsync()));
    }

    private static async Task<List<Widget>> WidgetsAsync(MessagingHarness harness, int count)
    {
        var widgets = Enumerable.Range(0, count).Select(n => new Widget { TenantId = Tenant, Name = $"widget {n}" }).ToList();
        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Widgets.AddRange(widgets);
            return await db.SaveChangesAsync();
        });
        return widgets;
    }

    /// <summary>
    /// The transactions that applied the widgets: a row carries the id of the transaction that last wrote it (xmin).
    /// Unlike the database's commit count, this leaves out the relay's and the test's own reads.
    /// </summary>
    private static Task<long> WritingTransactionsAsync(MessagingHarness harness) =>
        harness.InScopeAsync(Tenant, db => db.Database
            .SqlQueryRaw<long>("SELECT count(DISTINCT xmin::text) AS \"Value\" FROM \"Widgets\"")
            .SingleAsync());
}
