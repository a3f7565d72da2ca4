using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.IntegrationTests.Messaging;

public sealed class Widget
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid TenantId { get; init; }
    public required string Name { get; set; }
    public int Applied { get; set; }
}

public sealed class WidgetDbContext(DbContextOptions<WidgetDbContext> options, TenantContext tenant) : DbContext(options), IMessagingDbContext
{
    public DbSet<Widget> Widgets => Set<Widget>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<InboxMessage> InboxMessages => Set<InboxMessage>();
    private Guid CurrentTenant => tenant.TenantId ?? Guid.Empty;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<Widget>().HasQueryFilter(w => w.TenantId == CurrentTenant);
    }
}

/// <summary>Counts a voided widget once per message, however often the broker delivers it.</summary>
public sealed class WidgetVoidedConsumer(WidgetDbContext db, IServiceProvider services) : InboxConsumer<InvoiceVoided, WidgetDbContext>(db, services)
{
    protected override async Task HandleAsync(InvoiceVoided message, CancellationToken ct)
    {
        var widget = await Db.Widgets.SingleAsync(w => w.Id == message.InvoiceId, ct);
        widget.Applied++;
    }
}

/// <summary>The same, applying the messages that wait at the same moment in one transaction.</summary>
public sealed class GroupedWidgetVoidedConsumer(WidgetDbContext db, IServiceProvider services) : InboxConsumer<InvoiceVoided, WidgetDbContext>(db, services)
{
    protected override bool AppliesInGroups => true;

    protected override async Task HandleAsync(InvoiceVoided message, CancellationToken ct)
    {
        var widget = await Db.Widgets.SingleAsync(w => w.Id == message.InvoiceId, ct);
        widget.Applied++;
    }
}

public sealed class AlwaysFailingConsumer : IConsumer<InvoicePaid>
{
    private static int _attempts;

    public static int Attempts => Volatile.Read(ref _attempts);

    public static void Reset() => Interlocked.Exchange(ref _attempts, 0);

    public Task Consume(ConsumeContext<InvoicePaid> context)
    {
        Interlocked.Increment(ref _attempts);
        throw new InvalidOperationException("This consumer always fails.");
    }
}

/// <summary>Holds every message until released, counting how many it is working on at once.</summary>
public sealed class SlowConsumer : IConsumer<InvoicePaid>
{
    private static int _running;
    private static int _done;
    private static TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static int Running => Volatile.Read(ref _running);

    public static int Done => Volatile.Read(ref _done);

    public static void Reset() => (_running, _done, _release) = (0, 0, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Release() => _release.TrySetResult();

    public async Task Consume(ConsumeContext<InvoicePaid> context)
    {
        Interlocked.Increment(ref _running);
        await _release.Task;
        Interlocked.Decrement(ref _running);
        Interlocked.Increment(ref _done);
    }
}

/// <summary>A host like a service's: the DbContext with outbox and inbox on PostgreSQL, MassTransit on RabbitMQ, the relay.</summary>
public sealed class MessagingHarness : IAsyncDisposable
{
    private readonly IHost _host;

    private MessagingHarness(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static async Task<MessagingHarness> StartAsync(string postgres, string rabbitMq, Action<IBusRegistrationConfigurator> consumers, string endpointPrefix = "")
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:widgetsdb"] = postgres;
        builder.Configuration[$"ConnectionStrings:{ResourceNames.Messaging}"] = rabbitMq;
        builder.Configuration["Messaging:EndpointPrefix"] = endpointPrefix;
        builder.AddOraServDataAndMessaging<WidgetDbContext>("widgetsdb", consumers);
        var host = builder.Build();
        await host.Services.MigrateWithoutMigrationsAsync();
        await host.StartAsync();
        return new MessagingHarness(host);
    }

    public async Task<T> InScopeAsync<T>(Guid tenant, Func<WidgetDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant);
        return await work(scope.ServiceProvider.GetRequiredService<WidgetDbContext>());
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

internal static class SchemaExtensions
{
    /// <summary>The test context has no migrations of its own; its schema is created from the model.</summary>
    public static async Task MigrateWithoutMigrationsAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(Guid.Empty);
        await scope.ServiceProvider.GetRequiredService<WidgetDbContext>().Database.EnsureCreatedAsync();
    }
}
