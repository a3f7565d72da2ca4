using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Testing;

namespace OraServ.IntegrationTests.Messaging;

/// <summary>Remembers the trace each balance change was consumed in.</summary>
public sealed class TraceRecordingConsumer : IConsumer<InvoiceBalanceChanged>
{
    public static readonly ConcurrentDictionary<Guid, ActivityTraceId> Traces = new();

    public Task Consume(ConsumeContext<InvoiceBalanceChanged> context)
    {
        Traces[context.Message.InvoiceId] = Activity.Current?.TraceId ?? default;
        return Task.CompletedTask;
    }
}

public sealed class TraceTests
{
    [Fact]
    public async Task The_trace_of_a_change_continues_through_the_outbox_and_the_broker_into_the_consumer()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("OraServ", StringComparison.Ordinal) || source.Name == "MassTransit" || source.Name == "Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("Tests");
        var servers = await TestServers.SharedAsync();
        await using var harness = await MessagingHarness.StartAsync(
            servers.ConnectionString(TestServers.NewDatabaseName("trace")), servers.RabbitMqConnectionString,
            bus => bus.AddConsumer<TraceRecordingConsumer>());
        await OutboxTests.WaitForAsync(() => new RabbitQueues(servers.RabbitMqConnectionString).ExistsAsync("trace-recording"), TimeSpan.FromSeconds(30));
        var tenant = Guid.CreateVersion7();
        var invoice = Guid.CreateVersion7();

        ActivityTraceId original;
        using (var request = source.StartActivity("POST /api/invoices/{id}/payments"))
        {
            original = request!.TraceId;
            await harness.InScopeAsync(tenant, async db =>
            {
                db.Publish(new InvoiceBalanceChanged { TenantId = tenant, InvoiceId = invoice, AmountPaid = 10m, AmountDue = 0m, Currency = "USD", Status = "paid" });
                return await db.SaveChangesAsync();
            });
        }

        await OutboxTests.WaitForAsync(() => Task.FromResult(TraceRecordingConsumer.Traces.ContainsKey(invoice)), TimeSpan.FromSeconds(30));
        Assert.Equal(original, TraceRecordingConsumer.Traces[invoice]);
    }
}
