using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace OraServ.Testing;

/// <summary>Reads queue depths straight from the broker.</summary>
public sealed class RabbitQueues(string connectionString)
{
    public async Task<uint> MessageCountAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }

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

    public async Task<bool> ExistsAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(connectionString) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (OperationInterruptedException)
        {
            return false;
        }
    }
}
