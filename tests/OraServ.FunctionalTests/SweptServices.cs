using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Automation;
using OraServ.Contracts;
using OraServ.Notifications;
using OraServ.Payments;
using OraServ.StripeEmulator;

namespace OraServ.FunctionalTests;

/// <summary>One hosted service: its name, database, services and a way to call it.</summary>
public sealed record HostedService(string Name, string Database, IServiceProvider Provider, Func<HttpClient> Client);

/// <summary>
/// Payments (on the Stripe emulator), Notifications and Automation hosted next to the fixture's Jobs and Invoicing, each
/// on a fresh database: the five services whose routes the sweeps cover.
/// </summary>
public sealed class SweptServices(MoneyPathFixture fixture) : IAsyncLifetime
{
    public const string StripeKey = "sk_test_sweep";

    private WebApplication _emulator = null!;

    public string EmulatorUrl { get; private set; } = "";
    public ServiceFactory<PaymentsDbContext> Payments { get; private set; } = null!;
    public ServiceFactory<NotificationsDbContext> Notifications { get; private set; } = null!;
    public ServiceFactory<AutomationDbContext> Automation { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _emulator = StripeEmulatorApp.Create(["--urls", "http://127.0.0.1:0"]);
        await _emulator.StartAsync();
        EmulatorUrl = _emulator.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Payments = new ServiceFactory<PaymentsDbContext>(fixture.Servers, ResourceNames.PaymentsDb,
            services => services.AddHttpClient<IssuedInvoices>().ConfigurePrimaryHttpMessageHandler(() => fixture.Invoicing.Server.CreateHandler()),
            new Dictionary<string, string>
            {
                ["Stripe:SecretKey"] = StripeKey,
                ["Stripe:PublishableKey"] = "pk_test_sweep",
                ["Stripe:WebhookSecrets:0"] = "whsec_sweep",
                ["Stripe:ApiBase"] = EmulatorUrl,
            });
        Notifications = new ServiceFactory<NotificationsDbContext>(fixture.Servers, ResourceNames.NotificationsDb);
        Automation = new ServiceFactory<AutomationDbContext>(fixture.Servers, ResourceNames.AutomationDb);
        await Payments.MigrateAsync();
        await Notifications.MigrateAsync();
        await Automation.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await Payments.DisposeAsync();
        await Notifications.DisposeAsync();
        await Automation.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    public IEnumerable<HostedService> All()
    {
        yield return new("jobs", ResourceNames.JobsDb, fixture.Jobs.Services, fixture.Jobs.CreateClient);
        yield return new("invoicing", ResourceNames.InvoicingDb, fixture.Invoicing.Services, fixture.Invoicing.CreateClient);
        yield return new("payments", ResourceNames.PaymentsDb, Payments.Services, Payments.CreateClient);
        yield return new("notifications", ResourceNames.NotificationsDb, Notifications.Services, Notifications.CreateClient);
        yield return new("automation", ResourceNames.AutomationDb, Automation.Services, Automation.CreateClient);
    }
}
