using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace OraServ.LoadTests;

/// <summary>
/// The dispatcher's dashboard: a SignalR connection to /hubs/dashboard through the gateway that notes the moment each
/// invoice is pushed as paid, the same message that turns it PAID in the web app.
/// </summary>
public sealed class DashboardWatch : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<long>> _paid = new();

    private DashboardWatch(HubConnection connection)
    {
        _connection = connection;
        _connection.On<JsonElement>("invoiceUpdated", update =>
        {
            if (update.GetProperty("status").GetString() == "paid")
            {
                Paid(update.GetProperty("invoiceId").GetGuid()).TrySetResult(Stopwatch.GetTimestamp());
            }
        });
    }

    public static async Task<DashboardWatch> ConnectAsync(Uri gateway, string accessToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, "/hubs/dashboard"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken))
            .WithAutomaticReconnect()
            .Build();
        var watch = new DashboardWatch(connection);
        await connection.StartAsync();
        return watch;
    }

    /// <summary>The Stopwatch timestamp at which the invoice was pushed as paid (the push may come before anyone asks).</summary>
    public Task<long> PaidAsync(Guid invoiceId) => Paid(invoiceId).Task;

    private TaskCompletionSource<long> Paid(Guid invoiceId) =>
        _paid.GetOrAdd(invoiceId, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
