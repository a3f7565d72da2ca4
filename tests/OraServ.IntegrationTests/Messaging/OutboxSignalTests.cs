using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.IntegrationTests.Messaging;

/// <summary>The relay is woken when events are saved (at the commit inside a transaction), and only then.</summary>
public sealed class OutboxSignalTests
{
    private static readonly Guid Tenant = Guid.CreateVersion7();

    [Fact]
    public async Task The_relay_is_woken_by_saved_events_at_their_commit_and_not_by_saves_without_events()
    {
        var servers = await TestServers.SharedAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:widgetsdb"] = servers.ConnectionString(TestServers.NewDatabaseName("signal"));
        // No relay and no bus: nothing but this test takes the signal's pulses.
        builder.Configuration["Migrate:Only"] = "true";
        builder.AddOraServDataAndMessaging<WidgetDbContext>("widgetsdb");
        using var host = builder.Build();
        await host.Services.MigrateWithoutMigrationsAsync();
        var signal = host.Services.GetRequiredService<OutboxSignal>();
        async Task<bool> Woken() => await signal.WaitAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None);

        await InScopeAsync(host, db => db.Widgets.Add(new Widget { TenantId = Tenant, Name = "no event" }), commit: null);
        Assert.False(await Woken());

        await InScopeAsync(host, db => db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = Guid.CreateVersion7() }), commit: null);
        Assert.True(await Woken());

        await InScopeAsync(host, db => db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = Guid.CreateVersion7() }), commit: false);
        Assert.False(await Woken());

        var committed = false;
        await InScopeAsync(host, db => db.Publish(new InvoiceVoided { TenantId = Tenant, InvoiceId = Guid.CreateVersion7() }), commit: true,
            beforeCommit: async () => committed = await Woken());
        Assert.False(committed);
        Assert.True(await Woken());
    }

    /// <summary>Saves the change; with commit set, inside a transaction that is then committed (true) or rolled back (false).</summary>
    private static async Task InScopeAsync(IHost host, Action<WidgetDbContext> change, bool? commit, Func<Task>? beforeCommit = null)
    {
        await using var scope = host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(Tenant);
        var db = scope.ServiceProvider.GetRequiredService<WidgetDbContext>();
        await using var tx = commit is null ? null : await db.Database.BeginTransactionAsync();
        change(db);
        await db.SaveChangesAsync();
        if (tx is not null && beforeCommit is not null)
        {
            await beforeCommit();
        }
        if (commit == true)
        {
            await tx!.CommitAsync();
        }
        else if (commit == false)
        {
            await tx!.RollbackAsync();
        }
    }
}
