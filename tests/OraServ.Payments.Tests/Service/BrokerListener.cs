using System.Collections.Concurrent;
using MassTransit;

namespace OraServ.Payments.Tests.Service;

/// <summary>A queue of the test's own on the run's RabbitMQ that receives one event type as its consumers would.</summary>
public sealed class BrokerListener<TEvent> : IAsyncDisposable where TEvent : class
{
    private readonly IBusControl _bus;

    public ConcurrentQueue<TEvent> Received { get; } = new();

    internal BrokerListener(string amqp)
    {
        var uri = new Uri(amqp);
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(uri.Host, (ushort)uri.Port, "/", h =>
            {
                h.Username("guest");
                h.Password("guest");
            });
            cfg.ReceiveEndpoint($"payments-tests-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<TEvent>(context =>
                {
                    Received.Enqueue(context.Message);
                    return Task.CompletedTask;
                });
            });
        });
    }

    internal Task StartAsync() => _bus.StartAsync();

    public async ValueTask DisposeAsync() => await _bus.StopAsync();
}

public static class BrokerListener
{
    public static async Task<BrokerListener<TEvent>> StartAsync<TEvent>(string amqp) where TEvent : class
    {
        var listener = new BrokerListener<TEvent>(amqp);
        await listener.StartAsync();
        return listener;
    }
}
