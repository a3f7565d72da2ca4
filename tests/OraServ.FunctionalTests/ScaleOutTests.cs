using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Invoicing;
using OraServ.Jobs;
using OraServ.ServiceDefaults;
using OraServ.Testing;
using Xunit.Abstractions;

namespace OraServ.FunctionalTests;

/// <summary>
/// Three Invoicing instances on one database and one broker, as the app host runs them with OraServ:ScaleOut=3:
/// the same connection strings and the same endpoint names, so they compete for the same queues.
/// </summary>
public sealed class ScaleOutFixture : IAsyncLifetime
{
    public const int InstanceCount = 3;

    // Queues of their own, so Invoicing instances of other test classes on the shared broker do not take their messages.
    private const string EndpointPrefix = "scaleout-invoicing";

    public ServiceFactory<JobsDbContext> Jobs { get; private set; } = null!;
    public List<ServiceFactory<InvoicingDbContext>> Instances { get; } = [];
    public List<ConsumedMessages> Consumed { get; } = [];

    public async Task InitializeAsync()
    {
        var servers = await TestServers.SharedAsync();
        Jobs = new ServiceFactory<JobsDbContext>(servers, ResourceNames.JobsDb);
        await Jobs.MigrateAsync();
        var settings = new Dictionary<string, string>
        {
            [$"ConnectionStrings:{ResourceNames.InvoicingDb}"] = servers.ConnectionString(TestServers.NewDatabaseName(ResourceNames.InvoicingDb)),
            ["Messaging:EndpointPrefix"] = EndpointPrefix,
        };
        for (var i = 0; i < InstanceCount; i++)
        {
            var consumed = new ConsumedMessages();
            Consumed.Add(consumed);
            Instances.Add(new ServiceFactory<InvoicingDbContext>(servers, ResourceNames.InvoicingDb, services =>
            {
                services.AddHttpClient<JobsClient>().ConfigurePrimaryHttpMessageHandler(() => Jobs.Server.CreateHandler());
                services.AddConsumeObserver(_ => consumed);
            }, settings));
        }
        // All three start and migrate at once, as replicas do with Migrate:OnStart: EF's migration lock lets one apply.
        await Task.WhenAll(Instances.Select(instance => Task.Run(async () =>
        {
            _ = instance.Server;
            await instance.MigrateAsync();
        })));
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in Instances)
        {
            await instance.DisposeAsync();
        }
        await Jobs.DisposeAsync();
    }
}

/// <summary>What one instance's consumers took off the broker: the instance's own view of its share of the work.</summary>
public sealed class ConsumedMessages : IConsumeObserver
{
    public ConcurrentBag<PaymentSucceeded> Payments { get; } = [];

    public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

    public Task PostConsume<T>(ConsumeContext<T> context) where T : class
    {
        if (context.Message is PaymentSucceeded payment)
        {
            Payments.Add(payment);
        }
        return Task.CompletedTask;
    }

    public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
}

public sealed class ScaleOutTests(ScaleOutFixture fixture, ITestOutputHelper output) : IClassFixture<ScaleOutFixture>
{
    private static readonly JsonSerializerOptions Json = ApiDefaultsExtensions.Json;

    private HttpClient Api(int instance, Guid tenant) => fixture.Instances[instance % ScaleOutFixture.InstanceCount].ClientFor(tenant, "dispatcher");

    /// <summary>Drafts of completed jobs, created round-robin through the instances.</summary>
    private async Task<List<Guid>> DraftsAsync(Guid tenant, int count)
    {
        var drafts = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var jobId = await MoneyPathFixture.CompletedJobAsync(fixture.Jobs, tenant);
            var draft = await (await Api(i, tenant).PostAsJsonAsync("/api/invoices", new { jobId })).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<InvoiceResponse>(Json);
            drafts.Add(draft!.Id);
        }
        return drafts;
    }

    private async Task<InvoiceResponse[]> SendAllAsync(Guid tenant, List<Guid> drafts) =>
        (await Task.WhenAll(drafts.Select(async (id, i) =>
            await (await Api(i, tenant).PostAsJsonAsync($"/api/invoices/{id}/send", new { terms = "net_30" })).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<InvoiceResponse>(Json))))!;

    [Fact]
    public async Task Sixty_concurrent_sends_spread_over_three_instances_get_sixty_consecutive_numbers()
    {
        var tenant = Guid.CreateVersion7();
        var drafts = await DraftsAsync(tenant, 60);

        var sent = await SendAllAsync(tenant, drafts);

        Assert.Equal(Enumerable.Range(1, 60).Select(n => $"INV-{n:D6}"), sent.Select(i => i.Number!).Order());
        Assert.All(sent, i => Assert.Equal("open", i.Status));
        for (var instance = 0; instance < ScaleOutFixture.InstanceCount; instance++)
        {
            var listed = await Api(instance, tenant).GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices", Json);
            Assert.Equal(sent.Select(i => (i.Id, i.Number)).Order(), listed!.Select(i => (i.Id, i.Number)).Order());
        }
    }

    [Fact]
    public async Task Fifty_payments_delivered_three_times_each_are_shared_by_the_instances_and_each_applied_once()
    {
        var tenant = Guid.CreateVersion7();
        var invoices = await SendAllAsync(tenant, await DraftsAsync(tenant, 50));
        var payments = invoices.Select(i => new PaymentSucceeded
        {
            TenantId = tenant, PaymentId = "pi_" + Guid.NewGuid().ToString("N"), InvoiceId = i.Id, Amount = i.Total, Currency = "USD",
            Method = "card", PaidAt = DateTimeOffset.UtcNow,
        }).ToList();
        // Every event three times (a redelivery keeps its message id), shuffled so copies of one event meet on different instances.
        var deliveries = payments.Concat(payments).Concat(payments).OrderBy(_ => Random.Shared.Next()).ToList();
        var bus = fixture.Instances[0].Services.GetRequiredService<IBus>();

        await Task.WhenAll(deliveries.Select(p => bus.Publish(p, c => c.MessageId = p.EventId)));

        var shares = await Eventually(() => fixture.Consumed.Select(c => c.Payments.Count(p => p.TenantId == tenant)).ToArray(),
            counts => counts.Sum() == deliveries.Count, "every delivery consumed");
        output.WriteLine($"PaymentSucceeded deliveries consumed per instance: {string.Join(", ", shares)}");
        Assert.True(shares.Count(n => n > 0) > 1, $"one instance did all the work: {string.Join(", ", shares)}");

        var api = Api(0, tenant);
        var after = (await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices", Json))!;
        Assert.Equal(invoices.Select(i => i.Id).Order(), after.Select(i => i.Id).Order());
        Assert.All(after, invoice =>
        {
            Assert.Equal("paid", invoice.Status);
            Assert.Equal(invoice.Total, invoice.AmountPaid);
            Assert.Equal(0m, invoice.AmountDue);
            Assert.Equal(payments.Single(p => p.InvoiceId == invoice.Id).PaymentId, Assert.Single(invoice.Payments).Id);
        });
        var paid = await OutboxEventsAsync<InvoicePaid>(tenant);
        Assert.Equal(invoices.Select(i => i.Id).Order(), paid.Select(e => e.InvoiceId).Order());
        Assert.All(paid, e => Assert.Equal(invoices.Single(i => i.Id == e.InvoiceId).Total, e.AmountPaid));
        // Paid in full: InvoicePaid alone announces it, no balance beside it.
        Assert.Empty(await OutboxEventsAsync<InvoiceBalanceChanged>(tenant));
    }

    private async Task<List<T>> OutboxEventsAsync<T>(Guid tenant) where T : IntegrationEvent
    {
        await using var scope = fixture.Instances[0].Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InvoicingDbContext>();
        var rows = await db.OutboxMessages.IgnoreQueryFilters().Where(m => m.TenantId == tenant && m.Type == typeof(T).FullName).ToListAsync();
        return rows.Select(r => (T)r.ToEvent()).ToList();
    }

    private static async Task<T> Eventually<T>(Func<T> read, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = read();
            if (done(value))
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(100);
        }
    }
}
