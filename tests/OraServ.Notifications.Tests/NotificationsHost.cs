using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Notifications.Delivery;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.Notifications.Tests;

/// <summary>
/// Notifications on Kestrel (a free loopback port, for real WebSockets), on a fresh database of the run's PostgreSQL and
/// the run's RabbitMQ, sending to a real SMTP server in the test and fetching PDFs from a fake Invoicing.
/// </summary>
public sealed class NotificationsHost : IAsyncLifetime
{
    private WebApplicationFactory<NotificationsDbContext> _factory = null!;

    public const string TwilioAuthToken = "test-twilio-auth-token-0123456789";
    /// <summary>The public address Twilio posts to (through the gateway): what it signs, not the address this host listens on.</summary>
    public const string TwilioWebhookUrl = "https://oraserv.example.com/webhooks/twilio/sms";

    public TestSmtpServer Smtp { get; } = new();
    public FakeInvoicing Invoicing { get; } = new();
    public string BaseUrl { get; private set; } = "";
    /// <summary>A broker of the test's own (one it restarts); the run's shared RabbitMQ when null.</summary>
    public string? RabbitMqConnectionString { get; init; }
    public IServiceProvider Services => _factory.Services;

    public async Task InitializeAsync()
    {
        var servers = await TestServers.SharedAsync();
        Smtp.Start();
        var port = ServerProcess.FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var settings = new Dictionary<string, string>
        {
            [$"ConnectionStrings:{ResourceNames.NotificationsDb}"] = servers.ConnectionString(TestServers.NewDatabaseName("notifications")),
            [$"ConnectionStrings:{ResourceNames.Messaging}"] = RabbitMqConnectionString ?? servers.RabbitMqConnectionString,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = Smtp.Port.ToString(),
            ["Smtp:Timeout"] = "00:00:05",
            [$"{DeliveryOptions.Section}:RetryBaseDelay"] = "00:00:00.200",
            [$"{DeliveryOptions.Section}:RetryMaxDelay"] = "00:00:01",
            [$"{DeliveryOptions.Section}:PollInterval"] = "00:00:00.200",
            // The webhook's secret only: with no AccountSid and From, SMS go to the recording sink.
            ["Twilio:AuthToken"] = TwilioAuthToken,
            ["Twilio:WebhookUrl"] = TwilioWebhookUrl,
        };
        // Queues of this run's own: other test projects may share the broker, and their events are not ours to email.
        var prefix = $"nt{Guid.NewGuid():N}"[..10];
        _factory = new WebApplicationFactory<NotificationsDbContext>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Development");
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
            web.ConfigureServices(services =>
            {
                services.AddHttpClient<InvoicePdfClient>().ConfigurePrimaryHttpMessageHandler(() => Invoicing);
                services.Replace(ServiceDescriptor.Singleton<IEndpointNameFormatter>(new KebabCaseEndpointNameFormatter(prefix, false)));
            });
        });
        _factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port));
        await _factory.Services.MigrateAsync<NotificationsDbContext>(TimeSpan.FromSeconds(30));
        _factory.StartServer();
        await WaitForBusAsync();
    }

    private async Task WaitForBusAsync()
    {
        var bus = _factory.Services.GetRequiredService<IBusControl>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (bus.CheckHealth().Status != BusHealthStatus.Healthy)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The bus did not start.");
            }
            await Task.Delay(100);
        }
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await Smtp.DisposeAsync();
    }

    public Task PublishAsync<T>(T message) where T : IntegrationEvent =>
        Services.GetRequiredService<IBus>().Publish(message, c => c.MessageId = message.EventId);

    public HttpClient ClientFor(Guid tenant, string role = "dispatcher")
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(tenant, role));
        return client;
    }

    public sealed record MessageDto(Guid Id, Guid? InvoiceId, string Channel, string To, string? Subject, string? Body, string Status,
        string? FailureReason, int Attempts, DateTimeOffset? SentAt, DateTimeOffset CreatedAt);

    public async Task<List<MessageDto>> MessagesAsync(Guid tenant, Guid? invoiceId = null)
    {
        using var client = ClientFor(tenant);
        return (await client.GetFromJsonAsync<List<MessageDto>>(invoiceId is null ? "/api/messages" : $"/api/messages?invoiceId={invoiceId}",
            ApiDefaultsExtensions.Json))!;
    }

    /// <summary>Polls the delivery log until <paramref name="done"/> holds (or fails after the timeout).</summary>
    public async Task<List<MessageDto>> WaitForLogAsync(Guid tenant, Guid? invoiceId, Func<List<MessageDto>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var messages = await MessagesAsync(tenant, invoiceId);
            if (done(messages))
            {
                return messages;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"The delivery log did not get there in time: {JsonSerializer.Serialize(messages)}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Runs <paramref name="work"/> on a DbContext scoped to <paramref name="tenantId"/>.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenantId, Func<NotificationsDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return await work(scope.ServiceProvider.GetRequiredService<NotificationsDbContext>());
    }

    public Task<List<OutboxMessage>> OutboxAsync<TEvent>(Guid tenantId) =>
        InTenantAsync(tenantId, db => db.OutboxMessages.Where(m => m.Type == typeof(TEvent).FullName && m.TenantId == tenantId).ToListAsync());

    public static InvoiceIssued Issued(Guid tenant, string? email, string number = "INV-000123", string business = "Acme Plumbing") => new()
    {
        TenantId = tenant,
        InvoiceId = Guid.CreateVersion7(),
        JobId = Guid.CreateVersion7(),
        Number = number,
        BusinessName = business,
        Client = new ClientContact { ClientId = Guid.CreateVersion7(), FirstName = "Dana", LastName = "Reyes", Email = email, Phone = "+15551234567" },
        Lines = [new InvoiceLineSnapshot { Kind = "labor", Description = "Install water heater", Quantity = 2.5m, UnitPrice = 95m, Amount = 237.50m }],
        Currency = "USD",
        Subtotal = 1234.5m,
        Tax = 0m,
        Total = 1234.5m,
        AmountDue = 1234.5m,
        IssuedAt = DateTimeOffset.UtcNow,
        DueDate = new DateOnly(2026, 12, 24),
        PayToken = "tok_" + Guid.NewGuid().ToString("N"),
        PayUrl = $"http://127.0.0.1:8080/pay/tok_{Guid.NewGuid():N}",
    };

    public static string NewAddress(string domain = "example.com") => $"client-{Guid.NewGuid():N}"[..19] + "@" + domain;
}

[CollectionDefinition(Name)]
public sealed class NotificationsCollection : ICollectionFixture<NotificationsHost>
{
    public const string Name = "notifications";
}
