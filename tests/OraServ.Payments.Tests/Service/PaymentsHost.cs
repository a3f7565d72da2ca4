using System.Net.Http.Headers;
using System.Security.Claims;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OraServ.Contracts;
using OraServ.Messaging;
using OraServ.Payments.Tests.Emulator;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.Payments.Tests.Service;

/// <summary>
/// Payments on Kestrel (a free loopback port, so the emulator can post webhooks to it), on a fresh database of the shared
/// PostgreSQL and the shared RabbitMQ, with Stripe.net pointed at a Stripe emulator of its own.
/// </summary>
public sealed class PaymentsHost : IAsyncDisposable
{
    public const string WebhookSecret = "whsec_payments_tests";
    private static readonly string SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private readonly WebApplicationFactory<Program> _factory;

    private PaymentsHost(WebApplicationFactory<Program> factory, EmulatorHost emulator, string baseUrl)
    {
        _factory = factory;
        Emulator = emulator;
        BaseUrl = baseUrl;
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
    }

    public EmulatorHost Emulator { get; }
    public string BaseUrl { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _factory.Services;

    public static async Task<PaymentsHost> StartAsync()
    {
        var servers = await TestServers.SharedAsync();
        var port = ServerProcess.FreePort();
        var baseUrl = $"http://127.0.0.1:{port}";
        var emulator = await EmulatorHost.StartAsync($"--Emulator:WebhookUrl={baseUrl}/webhooks/stripe", $"--Emulator:WebhookSecret={WebhookSecret}");
        var settings = new Dictionary<string, string>
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
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings)
            {
                web.UseSetting(key, value);
            }
        });
        factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port));
        factory.StartServer();
        await factory.Services.MigrateAsync<PaymentsDbContext>(TimeSpan.FromSeconds(30));
        return new PaymentsHost(factory, emulator, baseUrl);
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

    /// <summary>The integration events Payments committed to its outbox, of one type.</summary>
    public Task<List<OutboxMessage>> OutboxAsync<TEvent>() =>
        InTenantAsync(Guid.Empty, db => db.OutboxMessages.Where(m => m.Type == typeof(TEvent).FullName).ToListAsync());

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _factory.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
