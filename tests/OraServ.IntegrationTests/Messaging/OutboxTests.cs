using MassTransit;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Testing;

namespace OraServ.IntegrationTests.Messaging;

public sealed class OutboxTests
{
    private static readonly Guid Tenant = Guid.CreateVersion7();

    [Fact]
    public async Task State_and_event_commit_together_or_not_at_all()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("outbox")), servers.RabbitMqConnectionString, _ => { });

        var kept = Guid.CreateVersion7();
        var rolledBack = Guid.CreateVersion7();
        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Widgets.Add(new Widget { Id = kept, TenantId = Tenant, Name = "kept" });
            db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = kept });
            return await db.SaveChangesAsync();
        });
        await harness.InScopeAsync(Tenant, async db =>
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            db.Widgets.Add(new Widget { Id = rolledBack, TenantId = Tenant, Name = "rolled back" });
            db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = rolledBack });
            await db.SaveChangesAsync();
            await tx.RollbackAsync();
            return 0;
        });

        var (widgets, events) = await harness.InScopeAsync(Tenant, async db =>
            (await db.Widgets.Select(w => w.Id).ToListAsync(),
             await db.OutboxMessages.Select(m => m.Body).ToListAsync()));
        Assert.Equal([kept], widgets);
        var body = Assert.Single(events);
        Assert.Contains(kept.ToString(), body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_written_while_the_broker_is_down_arrives_after_it_restarts()
    {
        var servers = await TestServers.SharedAsync();
        await using var rabbit = new LocalRabbitMq(Path.Combine(ServerProcess.NewDataRoot(), "rabbitmq"), ServerProcess.FreePort(span: 2));
        await rabbit.StartAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("outbox")), rabbit.ConnectionString,
            bus => bus.AddConsumer<WidgetVoidedConsumer>());
        // Consuming, not only declared: the broker goes down under a running consumer, not in the middle of its start.
        await WaitForAsync(async () => await new RabbitQueues(rabbit.ConnectionString).StateAsync("widget-voided") is { Consumers: > 0 }, TimeSpan.FromSeconds(30));

        await rabbit.StopAsync();
        var widget = Guid.CreateVersion7();
        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Widgets.Add(new Widget { Id = widget, TenantId = Tenant, Name = "written while the broker is down" });
            db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = widget });
            return await db.SaveChangesAsync();
        });
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Null(await harness.InScopeAsync(Tenant, db => db.OutboxMessages.Select(m => m.DispatchedAt).SingleAsync()));

        await rabbit.StartAsync();

        try
        {
            await WaitForAsync(async () => await AppliedAsync(harness, widget) == 1, TimeSpan.FromSeconds(180));
        }
        catch (TimeoutException)
        {
            var row = await harness.InScopeAsync(Tenant, db => db.OutboxMessages.SingleAsync());
            var queues = new RabbitQueues(rabbit.ConnectionString);
            var queue = await queues.StateAsync("widget-voided");
            var errors = await queues.StateAsync("widget-voided_error");
            throw new TimeoutException($"Not applied after the broker came back; outbox row dispatched at {row.DispatchedAt}, {row.Attempts} failed attempts, " +
                $"last error: {row.LastError}; queue widget-voided: {(queue is { } q ? $"{q.Messages} ready, {q.Consumers} consumers" : "missing")}, " +
                $"its error queue: {(errors is { } e ? $"{e.Messages} messages" : "missing")}; " +
                $"the broker's output:\n{rabbit.LogTail()}");
        }
        Assert.NotNull(await harness.InScopeAsync(Tenant, db => db.OutboxMessages.Select(m => m.DispatchedAt).SingleAsync()));
    }

    [Fact]
    public async Task A_message_delivered_twice_is_applied_once()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("inbox")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<WidgetVoidedConsumer>());
        var widget = Guid.CreateVersion7();
        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Widgets.Add(new Widget { Id = widget, TenantId = Tenant, Name = "delivered twice" });
            return await db.SaveChangesAsync();
        });

        await WaitForAsync(() => new RabbitQueues(servers.RabbitMqConnectionString).ExistsAsync("widget-voided"), TimeSpan.FromSeconds(30));
        var message = new InvoiceVoided { TenantId = Tenant, InvoiceId = widget };
        var bus = (IBus)harness.Services.GetService(typeof(IBus))!;
        await Task.WhenAll(
            bus.Publish(message, ctx => ctx.MessageId = message.EventId),
            bus.Publish(message, ctx => ctx.MessageId = message.EventId));
        await bus.Publish(message, ctx => ctx.MessageId = message.EventId);

        await WaitForAsync(async () => await AppliedAsync(harness, widget) >= 1, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await AppliedAsync(harness, widget));
    }

    [Fact]
    public async Task A_consumer_that_throws_ends_in_the_error_queue_after_its_retries()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("errors")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<AlwaysFailingConsumer>());
        var rabbit = new RabbitQueues(servers.RabbitMqConnectionString);
        await WaitForAsync(() => rabbit.ExistsAsync("always-failing"), TimeSpan.FromSeconds(30));
        var before = await rabbit.MessageCountAsync("always-failing_error");
        AlwaysFailingConsumer.Reset();

        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Publish(new InvoicePaid { TenantId = Tenant, InvoiceId = Guid.CreateVersion7(), Number = "INV-1", AmountPaid = 10m, Currency = "USD", PaidAt = DateTimeOffset.UtcNow });
            return await db.SaveChangesAsync();
        });

        await WaitForAsync(async () => await rabbit.MessageCountAsync("always-failing_error") == before + 1, TimeSpan.FromSeconds(60));
        Assert.Equal(1 + MessagingExtensions.RetryIntervals.Length, AlwaysFailingConsumer.Attempts);
    }

    [Fact]
    public async Task Events_written_faster_than_one_relay_round_each_arrive_once()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("outbox")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<WidgetVoidedConsumer>());
        await WaitForAsync(() => new RabbitQueues(servers.RabbitMqConnectionString).ExistsAsync("widget-voided"), TimeSpan.FromSeconds(30));

        // 250 events in one commit: the relay publishes them in batches, each batch's events at once.
        var widgets = Enumerable.Range(0, 250).Select(n => new Widget { TenantId = Tenant, Name = $"widget {n}" }).ToList();
        await harness.InScopeAsync(Tenant, async db =>
        {
            db.Widgets.AddRange(widgets);
            foreach (var widget in widgets)
            {
                db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = widget.Id });
            }
            return await db.SaveChangesAsync();
        });

        await WaitForAsync(() => harness.InScopeAsync(Tenant, async db => await db.Widgets.CountAsync(w => w.Applied > 0) == widgets.Count), TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.All(await harness.InScopeAsync(Tenant, db => db.Widgets.Select(w => w.Applied).ToListAsync()), applied => Assert.Equal(1, applied));
        Assert.All(await harness.InScopeAsync(Tenant, db => db.OutboxMessages.ToListAsync()), m => Assert.Equal((true, 0), (m.DispatchedAt is not null, m.Attempts)));
    }

    [Fact]
    public async Task A_consumer_works_sixteen_messages_at_once()
    {
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("prefetch")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<SlowConsumer>());
        await WaitForAsync(() => new RabbitQueues(servers.RabbitMqConnectionString).ExistsAsync("slow"), TimeSpan.FromSeconds(30));
        SlowConsumer.Reset();

        var endpoint = await ((IBus)harness.Services.GetService(typeof(IBus))!).GetSendEndpoint(new Uri("queue:slow"));
        await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => endpoint.Send(
            new InvoicePaid { TenantId = Tenant, InvoiceId = Guid.CreateVersion7(), Number = "INV-1", AmountPaid = 10m, Currency = "USD", PaidAt = DateTimeOffset.UtcNow })));

        await WaitForAsync(() => Task.FromResult(SlowConsumer.Running == 16), TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(16, SlowConsumer.Running);
        SlowConsumer.Release();
        await WaitForAsync(() => Task.FromResult(SlowConsumer.Done == 24), TimeSpan.FromSeconds(30));
    }

    private static Task<int> AppliedAsync(MessagingHarness harness, Guid widget) =>
        harness.InScopeAsync(Tenant, db => db.Widgets.Where(w => w.Id == widget).Select(w => w.Applied).SingleAsync());

    internal static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {timeout}.");
            }
            await Task.Delay(100);
        }
    }
}
