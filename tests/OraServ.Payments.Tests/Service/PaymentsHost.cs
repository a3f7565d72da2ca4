using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Payments.Tests.Emulator;
using OraServ.ServiceDefaults;
using OraServ.Testing;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>
/// Payments on Kestrel (a free loopback port, so the emulator can post webhooks to it), on a fresh database of the shared
/// PostgreSQL and the shared RabbitMQ, with Stripe.net pointed at a Stripe emulator of its own and invoice PDFs fetched
/// from a fake Invoicing.
/// </summary>
public sealed class PaymentsHost : IAsyncDisposable
{
    public const string WebhookSecret = "whsec_payments_tests";
    private static readonly string SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private readonly Dictionary<string, string> _settings;
    private readonly int _port;
    private readonly TimeProvider? _clock;
    private readonly Action<IServiceCollection>? _services;
    private WebApplicationFactory<Program>? _factory;

    private PaymentsHost(Dictionary<string, string> settings, int port, TimeProvider? clock, Action<IServiceCollection>? services, EmulatorHost emulator, string baseUrl)
    {
        _services = services;
        _settings = settings;
        _port = port;
        _clock = clock;
        Emulator = emulator;
        BaseUrl = baseUrl;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
    }

    public EmulatorHost Emulator { get; }
    public FakeInvoicing Invoicing { get; } = new(SigningKey);
    public string BaseUrl { get; }
    public string WebhookUrl => BaseUrl + "/webhooks/stripe";
    public HttpClient Http { get; }
    public IServiceProvider Services => (_factory ?? throw new InvalidOperationException("Payments is stopped.")).Services;

    /// <summary>
    /// Starts Payments; <paramref name="clock"/> replaces its TimeProvider, <paramref name="settings"/> add to or override
    /// the defaults, <paramref name="services"/> adds to its services.
    /// </summary>
    public static async Task<PaymentsHost> StartAsync(TimeProvider? clock = null, IReadOnlyDictionary<string, string>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var servers = await TestServers.SharedAsync();
        var port = ServerProcess.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var emulator = await EmulatorHost.StartAsync($"--Emulator:WebhookUrl={baseUrl}/webhooks/stripe", $"--Emulator:WebhookSecret={WebhookSecret}");
        var all = new Dictionary<string, string>
        {
            [$"ConnectionStrings:{ResourceNames.PaymentsDb}"] = servers.ConnectionString(TestServers.NewDatabaseName("payments")),
            [$"ConnectionStrings:{ResourceNames.Messaging}"] = servers.RabbitMqConnectionString,
            ["Auth:SigningKey"] = SigningKey,
            ["Stripe:SecretKey"] = "sk_test_payments",
            ["Stripe:PublishableKey"] = "pk_test_payments",
            ["Stripe:WebhookSecrets:0"] = "whsec_other_endpoint",
            ["Stripe:WebhookSecrets:1"] = WebhookSecret,
            ["Stripe:ApiBase"] = emulator.BaseUrl,
            ["Payments:PublicBaseUrl"] = baseUrl,
            ["Payments:ReconcileInterval"] = "01:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }
        var host = new PaymentsHost(all, port, clock, services, emulator, baseUrl);
        await host.RestartAsync();
        return host;
    }

    /// <summary>Stops the service (the emulator keeps running and retries what it cannot deliver).</summary>
    public async Task StopAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
            _factory = null;
        }
    }

    /// <summary>Starts the service again on the same port and database, migrated first as the app host's migration step does.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await using (var db = new PaymentsDbContext(
            new DbContextOptionsBuilder<PaymentsDbContext>()
                .UseNpgsql(_settings[$"ConnectionStrings:{ResourceNames.PaymentsDb}"], npgsql => npgsql.MigrationsHistoryTable("__ef_migrations_history")).Options,
            new TenantContext(new HttpContextAccessor())))
        {
            await db.Database.MigrateAsync();
        }
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in _settings)
            {
                web.UseSetting(key, value);
            }
            web.ConfigureServices(services =>
            {
                services.AddHttpClient<InvoicePdfClient>().ConfigurePrimaryHttpMessageHandler(() => Invoicing);
                services.AddHttpClient<IssuedInvoices>().ConfigurePrimaryHttpMessageHandler(() => Invoicing);
            });
            if (_services is not null)
            {
                web.ConfigureServices(_services);
            }
            if (_clock is not null)
            {
                web.ConfigureServices(services =>
                {
                    services.RemoveAll<TimeProvider>();
                    services.AddSingleton(_clock);
                });
            }
        });
        factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, _port));
        factory.StartServer();
        await factory.Services.GetRequiredService<IBusControl>().WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
        _factory = factory;
    }

    public HttpClient ClientFor(Guid tenantId, string role = Roles.Owner)
    {
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TokenSettings.Issuer,
            Audience = TokenSettings.Audience,
            Subject = new ClaimsIdentity([
                new Claim(OraServClaims.UserId, Guid.NewGuid().ToString()),
                new Claim(OraServClaims.TenantId, tenantId.ToString()),
                new Claim(OraServClaims.Role, role),
            ]),
            Expires = DateTime.UtcNow.AddHours(1),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The owner connects Stripe and completes onboarding on the emulator's page, as a browser would; returns the account id.</summary>
    public async Task<string> ConnectAsync(Guid tenant)
    {
        using var owner = ClientFor(tenant);
        var connect = await (await owner.PostAsync("/api/payments/stripe/connect", null)).Content.ReadFromJsonAsync<ConnectView>();
        using var completed = await Emulator.Http.PostAsync(connect!.OnboardingUrl, new FormUrlEncodedContent([new("business_name", "Acme")]));
        Assert.Equal(HttpStatusCode.Redirect, completed.StatusCode);
        using var returned = await Http.GetAsync(completed.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, returned.StatusCode);
        Assert.EndsWith("/settings/integrations?stripe=active", returned.Headers.Location!.ToString());
        var account = await owner.GetFromJsonAsync<AccountView>("/api/payments/stripe/account");
        return account!.AccountId!;
    }

    /// <summary>An open invoice on the pay page, as InvoiceIssued leaves it.</summary>
    public async Task<(Guid InvoiceId, string Token)> IssueAsync(Guid tenant, decimal amountDue, string currency = "USD")
    {
        var invoiceId = Guid.CreateVersion7();
        var token = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        await InTenantAsync(tenant, async db =>
        {
            db.PayableInvoices.Add(new PayableInvoice
            {
                Id = invoiceId, TenantId = tenant, PayToken = token, BusinessName = "Acme Plumbing", Number = "INV-000001",
                Currency = currency, AmountDue = amountDue, DueDate = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(30)),
                Lines = [new PayableLine { Kind = "labor", Description = "Fix sink", Quantity = 1, UnitPrice = amountDue, Amount = amountDue }],
            });
            return await db.SaveChangesAsync();
        });
        return (invoiceId, token);
    }

    /// <summary>The customer's PaymentIntent, as the pay page asks for it.</summary>
    public async Task<IntentView> IntentAsync(string token)
    {
        using var response = await Http.PostAsync($"/api/pay/{token}/intent", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<IntentView>())!;
    }

    /// <summary>Runs <paramref name="work"/> on a DbContext scoped to <paramref name="tenantId"/>.</summary>
    public async Task<T> InTenantAsync<T>(Guid tenantId, Func<PaymentsDbContext, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenantId);
        return await work(scope.ServiceProvider.GetRequiredService<PaymentsDbContext>());
    }

    /// <summary>Waits until the emulator has delivered everything and Payments has processed every stored event.</summary>
    public async Task SettledAsync()
    {
        await Emulator.WebhooksDrainedAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await InTenantAsync(Guid.Empty, db => db.StripeEvents.CountAsync(e => e.ProcessedAt == null)) > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Stored Stripe events were not processed.");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Publishes an event on the broker, as the service that owns it would.</summary>
    public Task PublishAsync<T>(T message) where T : IntegrationEvent =>
        Services.GetRequiredService<IBus>().Publish(message, c => c.MessageId = message.EventId);

    /// <summary>The integration events Payments committed to its outbox, of one type.</summary>
    public Task<List<OutboxMessage>> OutboxAsync<TEvent>() =>
        InTenantAsync(Guid.Empty, db => db.OutboxMessages.Where(m => m.Type == typeof(TEvent).FullName).ToListAsync());

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StopAsync();
        await Emulator.DisposeAsync();
    }
}
