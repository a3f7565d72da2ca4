using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace OraServ.LoadTests;

/// <summary>
/// The dispatcher's dashboard: a SignalR connection to /hubs/dashboard through the gateway that notes the moment each
/// invoice is pushed as paid, the same message that turns it PAID in the web app. Like the web app, it reads the invoices
/// it still waits for again (GET /api/invoices/{id}) on "resync" and when it reconnects: the pushes missed are not sent again.
/// </summary>
public sealed class DashboardWatch : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly HttpClient _owner;
    private readonly ConcurrentDictionary<Guid, TaskCompletionSource<long>> _paid = new();
    private int _resyncs;
    private int _reconnects;
    private int _paidOnReadingAgain;

    private DashboardWatch(HubConnection connection, HttpClient owner)
    {
        _connection = connection;
        _owner = owner;
        _connection.On<JsonElement>("invoiceUpdated", update =>
        {
            if (update.GetProperty("status").GetString() == "paid")
            {
                Paid(update.GetProperty("invoiceId").GetGuid()).TrySetResult(Stopwatch.GetTimestamp());
            }
        });
        _connection.On("resync", () =>
        {
            Interlocked.Increment(ref _resyncs);
            _ = Task.Run(ReadAgainAsync);
        });
        _connection.Reconnected += connectionId =>
        {
            Interlocked.Increment(ref _reconnects);
            _ = Task.Run(ReadAgainAsync);
            return Task.CompletedTask;
        };
    }

    public static async Task<DashboardWatch> ConnectAsync(Uri gateway, Tenant tenant)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway, "/hubs/dashboard"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(tenant.AccessToken))
            .WithAutomaticReconnect()
            .Build();
        var watch = new DashboardWatch(connection, tenant.Owner);
        await connection.StartAsync();
        return watch;
    }

    /// <summary>The Stopwatch timestamp at which the invoice was pushed as paid (the push may come before anyone asks), or read paid after a resync.</summary>
    public Task<long> PaidAsync(Guid invoiceId) => Paid(invoiceId).Task;

    /// <summary>What the dashboard met so far: "resync" messages, reconnects, and invoices it saw paid by reading them again rather than from a push.</summary>
    public (int Resyncs, int Reconnects, int PaidOnReadingAgain) Counts => (_resyncs, _reconnects, _paidOnReadingAgain);

    private TaskCompletionSource<long> Paid(Guid invoiceId) =>
        _paid.GetOrAdd(invoiceId, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ReadAgainAsync()
    {
        var waiting = _paid.Where(p => !p.Value.Task.IsCompleted).Select(p => p.Key).ToArray();
        await OpenLoop.ForEachAsync(waiting.Length, 8, async i =>
        {
            // Right after a restart the API may still answer 5xx for a moment: a few tries, then the scenario's own timeout decides.
            for (var attempt = 0; attempt < 10; attempt++)
            {
                try
                {
                    using var response = await _owner.GetAsync($"/api/invoices/{waiting[i]}");
                    if (response.IsSuccessStatusCode)
                    {
                        using var invoice = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                        if (invoice.RootElement.GetProperty("status").GetString() == "paid" && Paid(waiting[i]).TrySetResult(Stopwatch.GetTimestamp()))
                        {
                            Interlocked.Increment(ref _paidOnReadingAgain);
                        }
                        return;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        });
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
