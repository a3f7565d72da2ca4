using System.Collections.Concurrent;
using System.Net.Http.Headers;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.Automation.Tests;

/// <summary>
/// One Automation instance hosted in the test on a database the test names (so a second instance, or the same one
/// restarted, uses the same data), with the run's RabbitMQ and a clock the test moves.
/// </summary>
public sealed class AutomationHost(TestServers servers, string database, FakeTimeProvider clock, IReadOnlyDictionary<string, string>? settings = null,
    Action<IServiceCollection>? configure = null)
    : WebApplicationFactory<AutomationDbContext>
{
    public const string TimeZone = "America/Chicago";

    public FakeTimeProvider Clock => clock;

    public string ConnectionString => servers.ConnectionString(database);

    /// <summary>Starts an instance; the database is migrated first, as the app host's migration step does.</summary>
    public static async Task<AutomationHost> StartAsync(TestServers servers, string database, FakeTimeProvider clock, IReadOnlyDictionary<string, string>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        await MigrateAsync(servers.ConnectionString(database));
        var host = new AutomationHost(servers, database, clock, settings, configure);
        host.StartServer();
        return host;
    }

    public static async Task MigrateAsync(string connectionString)
    {
        await using var db = Context(connectionString);
        await db.Database.MigrateAsync();
    }

    /// <summary>A context on the database that sees every tenant (the tests check what the service wrote).</summary>
    public static AutomationDbContext Context(string connectionString) => new(
        new DbContextOptionsBuilder<AutomationDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history")).Options,
        new TenantContext(new HttpContextAccessor()));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.AutomationDb}", servers.ConnectionString(database));
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Messaging}", servers.RabbitMqConnectionString);
        builder.UseSetting("Auth:SigningKey", TestTokens.SigningKey);
        builder.UseSetting("Automation:TickInterval", "00:00:01");
        // The tests move the clock by weeks and then read the outbox; retention (tested in the integration tests) is not
        // what they check.
        builder.UseSetting("Messaging:Retention:Outbox", "365.00:00:00");
        builder.UseSetting("Messaging:Retention:Inbox", "365.00:00:00");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(clock);
            configure?.Invoke(services);
        });
    }

    public HttpClient ClientFor(Guid tenant, string role = Roles.Dispatcher, string timeZone = TimeZone, string currency = "USD")
    {
        var client = CreateClient();
        // Long-lived: the test clock runs days ahead of the real one.
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            TestTokens.For(tenant, role, currency, timeZone, lifetime: TimeSpan.FromDays(120)));
        return client;
    }

    public Task PublishAsync(IntegrationEvent message) =>
        Services.GetRequiredService<IBus>().Publish(message, message.GetType(), context => context.MessageId = message.EventId);

    /// <summary>Moves the clock to <paramref name="at"/> and waits for a tick of this instance that saw it.</summary>
    public async Task TickAtAsync(DateTimeOffset at)
    {
        if (at > clock.GetUtcNow())
        {
            clock.SetUtcNow(at);
        }
        await TickedAsync(at);
    }

    public async Task TickedAsync(DateTimeOffset at)
    {
        var status = Services.GetRequiredService<SchedulerStatus>();
        // A tick already under way when the clock moved sleeps a tick interval of test time: nudge it on by that.
        await Eventually.TrueAsync(() => Task.FromResult(status.LastTick >= at), $"a scheduler tick at {at:O}", () => clock.Advance(TimeSpan.FromSeconds(1)));
    }
}

/// <summary>The run's servers and one listener for the SMS and emails every test's Automation asks for.</summary>
public sealed class AutomationFixture : IAsyncLifetime
{
    public TestServers Servers { get; private set; } = null!;
    public BrokerListener Sent { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Servers = await TestServers.SharedAsync();
        // What Automation asks Notifications to send, received as Notifications would.
        Sent = await BrokerListener.StartAsync<SendSms, SendEmail>(Servers.RabbitMqConnectionString, "automation-tests");
    }

    public async Task DisposeAsync() => await Sent.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class AutomationCollection : ICollectionFixture<AutomationFixture>
{
    public const string Name = "automation";
}
