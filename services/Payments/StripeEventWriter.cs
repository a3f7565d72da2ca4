using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace OraServ.Payments;

/// <summary>A verified Stripe event on its way into stripe_events.</summary>
public sealed record StripeEventRow(string Id, string Type, string OrderingKey, string? Account, bool Livemode, string Payload, DateTimeOffset ReceivedAt);

/// <summary>
/// Stores verified webhooks with group commit: the events of concurrent webhooks that arrive while a write is in
/// flight go into the next one, a single INSERT ... ON CONFLICT DO NOTHING and one commit for all of them. Each
/// webhook's answer waits for the commit of its own row (synchronous_commit stays on), so a 2xx still means stored.
/// Under a burst this turns a thousand commits a second into a few dozen, each flushing the WAL once.
/// </summary>
public sealed class StripeEventWriter(IServiceScopeFactory scopes, ILogger<StripeEventWriter> logger) : BackgroundService
{
    private const int Writers = 2;
    private const int MaxBatch = 500;

    private sealed record Pending(StripeEventRow Row, TaskCompletionSource<bool> Stored);

    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });

    /// <summary>True once the event is committed, false when an event with its id was stored before.</summary>
    public async Task<bool> StoreAsync(StripeEventRow row, CancellationToken ct)
    {
        var pending = new Pending(row, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        await _pending.Writer.WriteAsync(pending, ct);
        return await pending.Stored.Task.WaitAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => WriteLoopAsync(stoppingToken)));

    private async Task WriteLoopAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }
                if (batch.Count == 0)
                {
                    continue;
                }
                try
                {
                    await WriteAsync(batch, stoppingToken);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Storing {Count} Stripe events failed; their webhooks are answered 500 and Stripe sends them again", batch.Count);
                    batch.ForEach(p => p.Stored.TrySetException(ex));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(List<Pending> batch, CancellationToken ct)
    {
        // The same event twice in one batch (Stripe retrying while the first is in flight): the later copy is a duplicate.
        var rows = batch.Select(p => p.Row).DistinctBy(r => r.Id).ToList();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        await db.Database.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"""
            INSERT INTO {PaymentsDbContext.StripeEventsTable} (id, type, ordering_key, account, livemode, payload, received_at, attempts)
            SELECT e.*, 0 FROM unnest(@ids, @types, @keys, @accounts, @livemodes, @payloads, @received) AS e
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """, (NpgsqlConnection)db.Database.GetDbConnection());
        command.Parameters.Add(new NpgsqlParameter<string[]>("ids", [.. rows.Select(r => r.Id)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("types", [.. rows.Select(r => r.Type)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", [.. rows.Select(r => r.OrderingKey)]));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("accounts", [.. rows.Select(r => r.Account)]));
        command.Parameters.Add(new NpgsqlParameter<bool[]>("livemodes", [.. rows.Select(r => r.Livemode)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("payloads", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = [.. rows.Select(r => r.Payload)] });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("received", [.. rows.Select(r => r.ReceivedAt)]));
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                inserted.Add(reader.GetString(0));
            }
        }
        foreach (var pending in batch)
        {
            // Only the first copy of an id in the batch can be the one that was inserted.
            pending.Stored.TrySetResult(inserted.Remove(pending.Row.Id));
        }
    }
}
