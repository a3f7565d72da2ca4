using MassTransit;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using OraServ.ServiceDefaults;

namespace OraServ.Notifications.Dashboard;

/// <summary>Live invoice updates for the dispatcher's dashboard: each connection hears its own tenant only.</summary>
[Authorize(Policy = Roles.MemberPolicy)]
public sealed class DashboardHub : Hub
{
    public const string Path = "/hubs/dashboard";
    public const string InvoiceUpdated = "invoiceUpdated";
    /// <summary>A customer's payment was declined or failed (<see cref="PaymentFailure"/>).</summary>
    public const string PaymentFailed = "paymentFailed";
    /// <summary>No payload: updates may have been missed, read the invoices again.</summary>
    public const string Resync = "resync";

    public static string Group(Guid tenantId) => $"tenant:{tenantId}";

    public override async Task OnConnectedAsync()
    {
        var tenant = TenantProfile.From(Context.User!).TenantId;
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(tenant));
        await base.OnConnectedAsync();
    }
}

/// <summary>What the dashboard receives as "invoiceUpdated".</summary>
public sealed record InvoiceUpdate(Guid InvoiceId, string? Number, string Status, decimal AmountDue, decimal AmountPaid, string? Currency);

/// <summary>
/// What the dashboard receives as "paymentFailed": which invoice, how much, and why, as the processor said. The id is
/// the PaymentFailed event's: a redelivered event is announced again with the same id, and shown once.
/// </summary>
public sealed record PaymentFailure(Guid Id, Guid InvoiceId, string? Number, decimal Amount, string Currency, string? Reason, DateTimeOffset FailedAt);

/// <summary>A failed payment on its way to every instance's hub, like <see cref="InvoiceDashboardUpdates"/>.</summary>
public sealed record DashboardPaymentFailed(Guid TenantId, PaymentFailure Failure);

/// <summary>One invoice's state in <see cref="InvoiceDashboardUpdates"/>.</summary>
public sealed record InvoiceDashboardUpdate(Guid TenantId, Guid InvoiceId, string? Number, string Status, decimal AmountDue, decimal AmountPaid, string? Currency);

/// <summary>
/// Notifications' own message from its durable consumers to every instance's hub, not an integration event: the
/// invoices one message changed, or all those a group of messages changed (one broker message for the group).
/// </summary>
public sealed record InvoiceDashboardUpdates(IReadOnlyList<InvoiceDashboardUpdate> Updates);

/// <summary>Runs on a temporary queue of each instance, so every instance pushes to the dashboards connected to it.</summary>
public sealed class DashboardPushConsumer(IHubContext<DashboardHub> hub) : IConsumer<InvoiceDashboardUpdates>, IConsumer<DashboardPaymentFailed>
{
    public Task Consume(ConsumeContext<DashboardPaymentFailed> context) =>
        hub.Clients.Group(DashboardHub.Group(context.Message.TenantId)).SendAsync(DashboardHub.PaymentFailed, context.Message.Failure, context.CancellationToken);

    public async Task Consume(ConsumeContext<InvoiceDashboardUpdates> context)
    {
        foreach (var m in context.Message.Updates)
        {
            await hub.Clients.Group(DashboardHub.Group(m.TenantId)).SendAsync(DashboardHub.InvoiceUpdated,
                new InvoiceUpdate(m.InvoiceId, m.Number, m.Status, m.AmountDue, m.AmountPaid, m.Currency), context.CancellationToken);
        }
    }
}

/// <summary>
/// A temporary queue is gone while the broker restarts, and the updates published before it is declared again are lost:
/// when this instance's push endpoint is ready again, every dashboard connected here is told to read its invoices again.
/// </summary>
public sealed class DashboardResync(IHubContext<DashboardHub> hub, string pushQueue) : IReceiveEndpointObserver
{
    private int _ready;

    public Task Ready(ReceiveEndpointReady ready) =>
        ready.InputAddress.AbsolutePath.EndsWith("/" + pushQueue, StringComparison.Ordinal) && Interlocked.Exchange(ref _ready, 1) == 1
            ? hub.Clients.All.SendAsync(DashboardHub.Resync)
            : Task.CompletedTask;

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;

    public Task Faulted(ReceiveEndpointFaulted faulted) => Task.CompletedTask;
}
