using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Testing;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace OraServ.IntegrationTests.Messaging;

/// <summary>Fails every message, so that its endpoint's _error queue gets declared.</summary>
public sealed class RejectingVoidConsumer : IConsumer<InvoiceVoided>
{
    public Task Consume(ConsumeContext<InvoiceVoided> context) => throw new InvalidOperationException("Rejected on purpose.");
}

/// <summary>Counts what reaches a per-instance queue, like the Notifications dashboard push.</summary>
public sealed class TemporaryVoidConsumer : IConsumer<InvoiceVoided>
{
    private static int _received;

    public static int Received => Volatile.Read(ref _received);

    public Task Consume(ConsumeContext<InvoiceVoided> context)
    {
        Interlocked.Increment(ref _received);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Runs alone: while these buses declare quorum queues, the broker-restart test's consumer in the same process did not
/// get its queue back within minutes (seen in every full run; each passes on its own and in sequence). A service runs one
/// bus with one setting, so production does not meet this; the cause in MassTransit is not known yet.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class QuorumQueueCollection
{
    public const string Name = "quorum queues";
}

/// <summary>Messaging:QuorumQueues, set in the Kubernetes manifests where RabbitMQ runs as a cluster (deploy/k8s).</summary>
[Collection(QuorumQueueCollection.Name)]
public sealed class QuorumQueueTests
{
    [Fact]
    public async Task With_the_switch_the_consumer_queue_and_its_error_queue_are_quorum_queues()
    {
        var servers = await TestServers.SharedAsync();
        var prefix = $"quorum-{Guid.NewGuid():N}"[..15];
        var queue = $"{prefix}-rejecting-void";
        await using (var bus = await StartBusAsync(servers.RabbitMqConnectionString, prefix, quorumQueues: true))
        {
            await bus.Services.GetRequiredService<IPublishEndpoint>().Publish(Voided());
            await WaitUntilExistsAsync(servers.RabbitMqConnectionString, queue + "_error");
        }

        Assert.Equal("quorum", await QueueTypeAsync(servers.RabbitMqConnectionString, queue));
        Assert.Equal("quorum", await QueueTypeAsync(servers.RabbitMqConnectionString, queue + "_error"));
        await DeleteAsync(servers.RabbitMqConnectionString, queue, queue + "_error");
    }

    [Fact]
    public async Task Without_the_switch_the_consumer_queue_is_a_classic_queue()
    {
        var servers = await TestServers.SharedAsync();
        var prefix = $"classic-{Guid.NewGuid():N}"[..16];
        var queue = $"{prefix}-rejecting-void";
        await using (await StartBusAsync(servers.RabbitMqConnectionString, prefix, quorumQueues: false))
        {
        }

        Assert.Equal("classic", await QueueTypeAsync(servers.RabbitMqConnectionString, queue));
        await DeleteAsync(servers.RabbitMqConnectionString, queue);
    }

    [Fact]
    public async Task With_the_switch_a_temporary_per_instance_queue_still_receives_events()
    {
        // A quorum queue cannot be auto-delete: MassTransit declares a temporary endpoint (Notifications' dashboard push,
        // one queue per pod) as a durable quorum queue that expires when unused (x-expires) instead, which the broker takes.
        var servers = await TestServers.SharedAsync();
        var prefix = $"quorum-{Guid.NewGuid():N}"[..15];
        var before = TemporaryVoidConsumer.Received;
        await using var bus = await StartBusAsync(servers.RabbitMqConnectionString, prefix, quorumQueues: true, bus => bus
            .AddConsumer<TemporaryVoidConsumer>().Endpoint(e =>
            {
                e.Name = $"{prefix}-temporary";
                e.Temporary = true;
            }));

        await bus.Services.GetRequiredService<IPublishEndpoint>().Publish(Voided());

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (TemporaryVoidConsumer.Received == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "The temporary endpoint received nothing within 30 s.");
            await Task.Delay(100);
        }
    }

    private static InvoiceVoided Voided() => new()
    {
        TenantId = Guid.NewGuid(),
        InvoiceId = Guid.NewGuid(),
        OccurredAt = DateTimeOffset.UtcNow,
    };

    private static async Task<AsyncDisposableHost> StartBusAsync(string rabbitMq, string prefix, bool quorumQueues,
        Action<IBusRegistrationConfigurator>? consumers = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration[$"ConnectionStrings:{ResourceNames.Messaging}"] = rabbitMq;
        builder.Configuration[MessagingExtensions.QuorumQueuesSetting] = quorumQueues ? "true" : "false";
        builder.Services.AddOraServBus(builder.Configuration, consumers ?? (bus => bus.AddConsumer<RejectingVoidConsumer>()), prefix);
        builder.Services.Configure<MassTransitHostOptions>(options => options.WaitUntilStarted = true);
        var host = builder.Build();
        await host.StartAsync();
        return new AsyncDisposableHost(host);
    }

    /// <summary>
    /// The queue's type as the broker holds it: redeclaring a queue with another x-queue-type than it has is refused
    /// (406 PRECONDITION_FAILED), so the one type that is accepted is the queue's own.
    /// </summary>
    private static async Task<string> QueueTypeAsync(string rabbitMq, string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitMq) }.CreateConnectionAsync();
        foreach (var type in new[] { "classic", "quorum" })
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
                    arguments: new Dictionary<string, object?> { ["x-queue-type"] = type });
                return type;
            }
            catch (OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 406)
            {
            }
        }
        throw new InvalidOperationException($"Queue '{queue}' is neither a classic nor a quorum queue.");
    }

    private static async Task WaitUntilExistsAsync(string rabbitMq, string queue)
    {
        var queues = new RabbitQueues(rabbitMq);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await queues.ExistsAsync(queue))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Queue '{queue}' was not declared within 30 s.");
            await Task.Delay(200);
        }
    }

    private static async Task DeleteAsync(string rabbitMq, params string[] queues)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(rabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in queues)
        {
            // MassTransit binds each queue through an exchange of the same name.
            await channel.QueueDeleteAsync(queue);
            await channel.ExchangeDeleteAsync(queue);
        }
    }

    private sealed class AsyncDisposableHost(IHost host) : IAsyncDisposable
    {
        public IServiceProvider Services => host.Services;

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
