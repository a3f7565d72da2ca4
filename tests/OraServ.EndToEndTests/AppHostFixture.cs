using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OraServ.Contracts;
using OraServ.Testing;

namespace OraServ.EndToEndTests;

/// <summary>
/// The whole app host, booted once for the end-to-end tests: its own PostgreSQL and RabbitMQ processes on free ports
/// with data in a throwaway folder, every service, the gateway; it waits until all report healthy.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public DistributedApplication App { get; private set; } = null!;
    public HttpClient Gateway { get; private set; } = null!;
    public Uri StripeEmulator { get; private set; } = null!;
    public Uri MailInbox { get; private set; } = null!;

    public static readonly string[] Services =
        [ResourceNames.Jobs, ResourceNames.Invoicing, ResourceNames.Payments, ResourceNames.Notifications, ResourceNames.Automation];

    public async Task InitializeAsync()
    {
        var data = ServerProcess.NewDataRoot();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.OraServ_AppHost>(
        [
            "--Infrastructure:Mode=local",
            $"--Infrastructure:DataDirectory={data}",
            $"--Infrastructure:PostgresPort={ServerProcess.FreePort()}",
            $"--Infrastructure:RabbitMqPort={ServerProcess.FreePort(span: 2)}",
            $"--Infrastructure:SmtpPort={ServerProcess.FreePort()}",
            $"--Infrastructure:MailInboxPort={ServerProcess.FreePort()}",
            "--OraServ:PublicUrl=",
            "--OraServ:MetricExportInterval=5000",
        ]);
        // The services' own warnings and errors end up in the test output, where a failing run is read.
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting", LogLevel.Error)
            .AddSimpleConsole(o => o.SingleLine = true));
        App = await builder.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await App.StartAsync(timeout.Token);
        await App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Gateway, timeout.Token);
        Gateway = App.CreateHttpClient(ResourceNames.Gateway);
        StripeEmulator = App.GetEndpoint(ResourceNames.StripeEmulator, "http");
        MailInbox = App.GetEndpoint(ResourceNames.MailCatcher, "inbox");
    }

    public async Task DisposeAsync()
    {
        Gateway?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "app host";
}
