using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.FunctionalTests;

/// <summary>One service hosted in the test, on its own fresh database, with the run's RabbitMQ and the test signing key.</summary>
public sealed class ServiceFactory<TContext>(TestServers servers, string databaseName, Action<IServiceCollection>? configure = null,
    IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<TContext> where TContext : DbContext
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting($"ConnectionStrings:{databaseName}", servers.ConnectionString(TestServers.NewDatabaseName(databaseName)));
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Messaging}", servers.RabbitMqConnectionString);
        builder.UseSetting("Auth:SigningKey", TestTokens.SigningKey);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            builder.UseSetting(key, value);
        }
        if (configure is not null)
        {
            builder.ConfigureServices(configure);
        }
    }

    public async Task MigrateAsync() => await Services.MigrateAsync<TContext>(TimeSpan.FromSeconds(30));

    public HttpClient ClientFor(Guid tenant, string role = "owner", string currency = "USD", string timeZone = "America/New_York")
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.For(tenant, role, currency, timeZone));
        return client;
    }

    /// <summary>Work on the service's database as the tenant, as a consumer does.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenant, Func<TContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant);
        return await work(scope.ServiceProvider.GetRequiredService<TContext>());
    }
}
