using System.Collections.Concurrent;
using MassTransit;

namespace OraServ.Testing;

/// <summary>A queue of the test's own on the run's RabbitMQ that receives the given message types as their consumers would.</summary>
public sealed class BrokerListener : IAsyncDisposable
{
    private readonly IBusControl _bus;
    private readonly ConcurrentQueue<object> _received = new();

    private BrokerListener(string amqp, string queuePrefix, Action<BrokerListener, IReceiveEndpointConfigurator> receive)
    {
        var uri = new Uri(amqp);
        _bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(uri.Host, (ushort)uri.Port, "/", h =>
            {
                h.Username("guest");
                h.Password("guest");
            });
            cfg.ReceiveEndpoint($"{queuePrefix}-{Guid.NewGuid():N}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                receive(this, e);
            });
        });
    }

    /// <summary>The messages of type <typeparamref name="T"/> received so far, in order of arrival.</summary>
    public IReadOnlyList<T> Received<T>() where T : class => [.. _received.OfType<T>()];

    public static Task<BrokerListener> StartAsync<T>(string amqp, string queuePrefix) where T : class =>
        StartAsync(amqp, queuePrefix, (listener, e) => listener.Receive<T>(e));

    public static Task<BrokerListener> StartAsync<T1, T2>(string amqp, string queuePrefix) where T1 : class where T2 : class =>
        StartAsync(amqp, queuePrefix, (listener, e) =>
        {
            listener.Receive<T1>(e);
            listener.Receive<T2>(e);
        });

    public async ValueTask DisposeAsync() => await _bus.StopAsync();

    private static async Task<BrokerListener> StartAsync(string amqp, string queuePrefix, Action<BrokerListener, IReceiveEndpointConfigurator> receive)
    {
        var listener = new BrokerListener(amqp, queuePrefix, receive);
        await listener._bus.StartAsync();
        return listener;
    }

    private void Receive<T>(IReceiveEndpointConfigurator endpoint) where T : class =>
        endpoint.Handler<T>(context =>
        {
            _received.Enqueue(context.Message);
            return Task.CompletedTask;
        });
}
