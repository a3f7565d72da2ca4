using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Invoicing;
using OraServ.Jobs;
using OraServ.Testing;

namespace OraServ.FunctionalTests;

/// <summary>Jobs and Invoicing hosted side by side on real PostgreSQL and RabbitMQ; Invoicing reaches Jobs over HTTP.</summary>
public sealed class MoneyPathFixture : IAsyncLifetime
{
    public ServiceFactory<JobsDbContext> Jobs { get; private set; } = null!;
    public ServiceFactory<InvoicingDbContext> Invoicing { get; private set; } = null!;
    public TestServers Servers { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Servers = await TestServers.SharedAsync();
        Jobs = new ServiceFactory<JobsDbContext>(Servers, ResourceNames.JobsDb);
        await Jobs.MigrateAsync();
        Invoicing = new ServiceFactory<InvoicingDbContext>(Servers, ResourceNames.InvoicingDb, services =>
            services.AddHttpClient<JobsClient>().ConfigurePrimaryHttpMessageHandler(() => Jobs.Server.CreateHandler()));
        await Invoicing.MigrateAsync();
        _ = Invoicing.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await Invoicing.DisposeAsync();
        await Jobs.DisposeAsync();
    }

    /// <summary>A client and a completed job of the tenant, as a technician leaves it.</summary>
    public Task<Guid> CompletedJobAsync(Guid tenant, params object[] lineItems) => CompletedJobAsync(Jobs, tenant, lineItems);

    /// <summary>A client and a completed job of the tenant in <paramref name="service"/>, as a technician leaves it.</summary>
    public static async Task<Guid> CompletedJobAsync(ServiceFactory<JobsDbContext> service, Guid tenant, params object[] lineItems)
    {
        var jobs = service.ClientFor(tenant, "dispatcher");
        var client = await (await jobs.PostAsJsonAsync("/api/clients", new { firstName = "Dana", lastName = "Reyes", email = "dana@example.com", phone = "+15551234567", address = "12 Elm St, Springfield" }))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<Json>();
        var job = await (await jobs.PostAsJsonAsync("/api/jobs", new
        {
            clientId = client!.Id,
            title = "Water heater swap",
            lineItems = lineItems.Length > 0 ? lineItems : DefaultLines,
        })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<Json>();
        (await jobs.PostAsJsonAsync($"/api/jobs/{job!.Id}/complete", new { notes = "Old tank hauled away." })).EnsureSuccessStatusCode();
        return job.Id;
    }

    public static readonly object[] DefaultLines =
    [
        new { kind = "labor", description = "Install water heater", quantity = 2.5m, unitPrice = 95m, taxable = false },
        new { kind = "material", description = "50 gal water heater", quantity = 1m, unitPrice = 649.99m, taxable = true },
        new { kind = "material", description = "Flex connectors", quantity = 3m, unitPrice = 12.345m, taxable = true },
        new { kind = "fee", description = "Disposal fee", quantity = 1m, unitPrice = 35m, taxable = false },
    ];

    public sealed record Json(Guid Id);
}

[CollectionDefinition(Name)]
public sealed class MoneyPathCollection : ICollectionFixture<MoneyPathFixture>
{
    public const string Name = "money path";
}
