using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace OraServ.Testing;

/// <summary>Reads queue depths straight from the broker.</summary>
public sealed class RabbitQueues(string connectionString)
{
    /// <summary>The queue's ready messages; 0 when it does not exist.</summary>
    public async Task<uint> MessageCountAsync(string queue) => (await StateAsync(queue))?.Messages ?? 0;

    public async Task<bool> ExistsAsync(string queue) => await StateAsync(queue) is not null;

    /// <summary>The queue's ready messages and attached consumers; null when it does not exist.</summary>
    public async Task<(uint Messages, uint Consumers)?> StateAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            var state = await channel.QueueDeclarePassiveAsync(queue);
            return (state.MessageCount, state.ConsumerCount);
        }
        catch (OperationInterruptedException)
        {
            return null;
        }
    }
}
