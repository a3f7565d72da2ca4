using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OraServ.Contracts;
using OraServ.ServiceDefaults;

namespace OraServ.Messaging;

public static class MessagingExtensions
{
    /// <summary>Retry schedule applied to every consumer endpoint before a message goes to its _error queue.</summary>
    public static readonly TimeSpan[] RetryIntervals =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// While the database or a service the consumer calls cannot be reached (a restart, a fail-over), the message is tried
    /// again for about five minutes before it goes to the _error queue: the quick retries above last under 8 s, and a
    /// PostgreSQL restart during the fault runs parked InvoiceIssued, JobCompleted and InvoicePaid in _error queues.
    /// </summary>
    public static readonly TimeSpan[] UnreachableRetryIntervals =
        [.. new[] { 1, 2, 5, 10, 15, 30, 30, 30, 30, 30, 30, 30, 30, 30 }.Select(s => TimeSpan.FromSeconds(s))];

    /// <summary>The failure is that something could not be reached (rather than a bug or a bad message).</summary>
    public static bool IsUnreachable(Exception exception)
    {
        for (Exception? ex = exception; ex is not null; ex = ex.InnerException)
        {
            switch (ex)
            {
                case Npgsql.NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                case TimeoutException:
                case HttpRequestException { StatusCode: null or >= System.Net.HttpStatusCode.InternalServerError }:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsUnreachable):
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The service's DbContext on PostgreSQL with the outbox signal, MassTransit on RabbitMQ (connection string
    /// "messaging"), the consumers of <paramref name="configure"/>, and the outbox relay for the context.
    /// </summary>
    public static IHostApplicationBuilder AddOraServDataAndMessaging<TContext>(
        this IHostApplicationBuilder builder,
        string databaseName,
        Action<IBusRegistrationConfigurator>? configure = null)
        where TContext : DbContext, IMessagingDbContext
    {
        var connectionString = DatabaseConnections.Tuned(builder.Configuration.GetConnectionString(databaseName)
            ?? throw new InvalidOperationException($"Connection string '{databaseName}' is missing."));

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<OraServ.ServiceDefaults.TenantContext>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxSignalInterceptor>();
        builder.Services.AddSingleton<OutboxTransactionInterceptor>();
        // A service whose session runs at a lower CPU priority (OraServ:CpuShareNice) puts its work in PostgreSQL there
        // too: each backend leads a session of its own, which would otherwise weigh as much as the request path's.
        var backendNice = builder.Configuration.GetValue(CpuPriority.ShareNiceSetting, 0);
        Action<Npgsql.NpgsqlConnection>? niceBackend = backendNice > 0 && DatabaseConnections.OnThisMachine(connectionString)
            ? connection => CpuPriority.OfDatabaseBackend(connection.ProcessID, backendNice)
            : null;
        // The options are built once (singleton), not for every request and message: built per scope they cost each
        // DbContext a new options object and EF's look-up of its internal services by them (frames under DbContextOptions
        // in 3 % of the send phase's samples, perf 2026-12-06; no change beyond the noise end to end). The context itself
        // stays scoped.
        builder.Services.AddDbContext<TContext>((sp, options) => options
            .UseNpgsql(connectionString, npgsql =>
            {
                npgsql.MigrationsHistoryTable("__ef_migrations_history");
                if (niceBackend is not null)
                {
                    npgsql.ConfigureDataSource(source => source.UsePhysicalConnectionInitializer(niceBackend, connection =>
                    {
                        niceBackend(connection);
                        return Task.CompletedTask;
                    }));
                }
            })
            .AddInterceptors(sp.GetRequiredService<OutboxSignalInterceptor>(), sp.GetRequiredService<OutboxTransactionInterceptor>()),
            contextLifetime: ServiceLifetime.Scoped, optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck<TContext>>(databaseName);

        if (builder.Configuration.GetValue<bool>("Migrate:Only"))
        {
            return builder;
        }

        // Each service consumes from queues of its own: two services with an InvoiceIssuedConsumer must not compete
        // for one "invoice-issued" queue. The prefix is the service's name (OraServ.Payments -> payments-invoice-issued).
        var prefix = builder.Configuration["Messaging:EndpointPrefix"]
            ?? builder.Environment.ApplicationName.Split('.')[^1].ToLowerInvariant();
        builder.Services.AddOraServBus(builder.Configuration, configure, prefix);
        if (builder.Configuration.GetValue(InboxGroupsSetting, true))
        {
            builder.Services.AddSingleton<InboxGroups>();
        }
        builder.Services.AddHostedService<OutboxRelay<TContext>>();
        builder.Services.AddSingleton<MessagingRetention<TContext>>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MessagingRetention<TContext>>());
        return builder;
    }

    /// <summary>Whether consumers that opt in apply the messages waiting at the same moment in one transaction (Messaging:InboxGroups, on unless false).</summary>
    public const string InboxGroupsSetting = "Messaging:InboxGroups";

    /// <summary>
    /// Set (Messaging:QuorumQueues=true) where RabbitMQ is a cluster: every consumer queue, and its _error queue, is then a
    /// quorum queue, replicated over the nodes, instead of a classic queue that lives on one node.
    /// </summary>
    public const string QuorumQueuesSetting = "Messaging:QuorumQueues";

    /// <summary>
    /// How many messages each consumer endpoint takes from the broker and works at once (Messaging:PrefetchCount).
    /// MassTransit's default is twice the cores (4 on a 2-core machine), which queues a burst of payments behind a few
    /// slow consumers (an email sent after the dashboard push); 16 endpoints' worth stays within a connection pool.
    /// </summary>
    public const string PrefetchCountSetting = "Messaging:PrefetchCount";

    public static IServiceCollection AddOraServBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator>? configure = null, string endpointPrefix = "")
    {
        var amqp = configuration.GetConnectionString(ResourceNames.Messaging)
            ?? throw new InvalidOperationException($"Connection string '{ResourceNames.Messaging}' is missing.");
        var quorumQueues = configuration.GetValue<bool>(QuorumQueuesSetting);
        var prefetch = configuration.GetValue<ushort>(PrefetchCountSetting, 16);

        services.AddMassTransit(bus =>
        {
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(endpointPrefix.Length > 0 ? endpointPrefix + "-" : null, false));
            configure?.Invoke(bus);
            bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                endpoint.UseMessageRetry(retry => retry.SetRetryPolicy(_ => new ConsumerRetryPolicy()));
                if (quorumQueues && endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                }
            });
            bus.UsingRabbitMq((context, cfg) =>
            {
                var uri = new Uri(amqp);
                var user = Uri.UnescapeDataString(uri.UserInfo.Split(':')[0]);
                var password = uri.UserInfo.Contains(':') ? Uri.UnescapeDataString(uri.UserInfo.Split(':', 2)[1]) : "";
                cfg.Host(uri.Host, (ushort)(uri.IsDefaultPort ? 5672 : uri.Port), uri.AbsolutePath.Trim('/') is { Length: > 0 } vhost ? vhost : "/", h =>
                {
                    h.Username(string.IsNullOrEmpty(user) ? "guest" : user);
                    h.Password(string.IsNullOrEmpty(password) ? "guest" : password);
                    h.PublisherConfirmation = true;
                });
                cfg.PrefetchCount = prefetch;
                cfg.ConfigureEndpoints(context);
            });
        });
        return services;
    }
}

/// <summary>Ready only while the service's database answers.</summary>
internal sealed class DatabaseHealthCheck<TContext>(TContext db) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
    where TContext : DbContext
{
    public async Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy()
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("The database does not answer.");
}
