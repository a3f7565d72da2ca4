using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using OraServ.Contracts;
using OraServ.Testing;

namespace OraServ.Notifications.Tests;

[Collection(NotificationsCollection.Name)]
public sealed class DashboardHubTests(NotificationsHost host)
{
    [Fact]
    public async Task The_hub_pushes_invoice_updates_to_its_own_tenant_and_not_to_another()
    {
        var tenantA = Guid.CreateVersion7();
        var tenantB = Guid.CreateVersion7();
        var seenByA = new ConcurrentQueue<JsonElement>();
        var seenByB = new ConcurrentQueue<JsonElement>();
        // A browser's way: WebSockets with the token in the query string.
        await using var a = new HubConnectionBuilder()
            .WithUrl($"{host.BaseUrl}/hubs/dashboard?access_token={TestTokens.For(tenantA, "dispatcher")}", o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
            })
            .Build();
        // The header way.
        await using var b = Dashboard(host.BaseUrl, tenantB, "owner");
        a.On<JsonElement>("invoiceUpdated", seenByA.Enqueue);
        b.On<JsonElement>("invoiceUpdated", seenByB.Enqueue);
        await a.StartAsync();
        await b.StartAsync();

        var issued = NotificationsHost.Issued(tenantA, NotificationsHost.NewAddress());
        await host.PublishAsync(issued);
        await WaitAsync(() => !seenByA.IsEmpty);
        await host.PublishAsync(new InvoiceBalanceChanged
        {
            TenantId = tenantA, InvoiceId = issued.InvoiceId, AmountPaid = 234.5m, AmountDue = 1000m, Currency = "USD", Status = "open",
        });
        await WaitAsync(() => seenByA.Count >= 2);

        var first = seenByA.First();
        Assert.Equal(issued.InvoiceId, first.GetProperty("invoiceId").GetGuid());
        Assert.Equal("INV-000123", first.GetProperty("number").GetString());
        Assert.Equal("open", first.GetProperty("status").GetString());
        Assert.Equal(1234.5m, first.GetProperty("amountDue").GetDecimal());
        var second = seenByA.Last();
        Assert.Equal("INV-000123", second.GetProperty("number").GetString());
        Assert.Equal(1000m, second.GetProperty("amountDue").GetDecimal());
        Assert.Equal(234.5m, second.GetProperty("amountPaid").GetDecimal());
        Assert.Equal("USD", second.GetProperty("currency").GetString());

        await host.PublishAsync(new InvoiceVoided { TenantId = tenantA, InvoiceId = issued.InvoiceId, Number = issued.Number });
        await WaitAsync(() => seenByA.Count >= 3);
        Assert.Equal("void", seenByA.Last().GetProperty("status").GetString());
        await Task.Delay(500);
        Assert.Empty(seenByB);
    }

    [Fact]
    public async Task A_mail_server_that_does_not_answer_holds_back_the_emails_but_not_the_dashboard()
    {
        // More invoices than the consumer takes from the broker at once (Messaging:PrefetchCount, 16): a consumer that
        // waited for its email would leave the rest unread, and their pushes unsent, until the mail server answered.
        const int invoices = 40;
        var tenant = Guid.CreateVersion7();
        var pushed = new ConcurrentDictionary<Guid, string>();
        await using var dashboard = Dashboard(host.BaseUrl, tenant);
        dashboard.On<JsonElement>("invoiceUpdated", u => pushed[u.GetProperty("invoiceId").GetGuid()] = u.GetProperty("number").GetString()!);
        await dashboard.StartAsync();
        var to = NotificationsHost.NewAddress();
        var issued = Enumerable.Range(1, invoices).Select(n => NotificationsHost.Issued(tenant, to, $"INV-{n:D6}")).ToList();

        host.Smtp.Hold();
        try
        {
            foreach (var invoice in issued)
            {
                await host.PublishAsync(invoice);
            }
            // Well inside the SMTP timeout (5 s here), so that no email is given up on and sent twice.
            await WaitAsync(() => pushed.Count >= invoices, seconds: 4);
            Assert.Empty(host.Smtp.To(to));
        }
        finally
        {
            host.Smtp.Release();
        }

        Assert.Equal(issued.ToDictionary(i => i.InvoiceId, i => i.Number), pushed);
        var emails = await host.Smtp.WaitForAsync(to, invoices, TimeSpan.FromSeconds(60));
        Assert.Equal(issued.Select(i => $"Invoice {i.Number} from Acme Plumbing").Order(), emails.Select(m => m.Subject).Order());
    }

    [Fact]
    public async Task A_failed_payment_is_announced_to_its_tenants_dashboards_with_the_invoice_number_and_the_reason()
    {
        var tenantA = Guid.CreateVersion7();
        var tenantB = Guid.CreateVersion7();
        var updates = new ConcurrentQueue<JsonElement>();
        var failuresA = new ConcurrentQueue<JsonElement>();
        var failuresB = new ConcurrentQueue<JsonElement>();
        await using var a = Dashboard(host.BaseUrl, tenantA);
        await using var b = Dashboard(host.BaseUrl, tenantB);
        a.On<JsonElement>("invoiceUpdated", updates.Enqueue);
        a.On<JsonElement>("paymentFailed", failuresA.Enqueue);
        b.On<JsonElement>("paymentFailed", failuresB.Enqueue);
        await a.StartAsync();
        await b.StartAsync();
        var issued = NotificationsHost.Issued(tenantA, NotificationsHost.NewAddress(), number: "INV-000777");
        await host.PublishAsync(issued);
        await WaitAsync(() => !updates.IsEmpty);

        var failed = new PaymentFailed
        {
            TenantId = tenantA, PaymentId = "pi_declined_1", InvoiceId = issued.InvoiceId, Amount = 1234.5m, Currency = "USD",
            Reason = "Your card was declined.",
        };
        await host.PublishAsync(failed);
        await WaitAsync(() => !failuresA.IsEmpty, what: "paymentFailed");
        var failure = Assert.Single(failuresA);
        Assert.Equal(failed.EventId, failure.GetProperty("id").GetGuid());
        Assert.Equal(issued.InvoiceId, failure.GetProperty("invoiceId").GetGuid());
        Assert.Equal("INV-000777", failure.GetProperty("number").GetString());
        Assert.Equal(1234.5m, failure.GetProperty("amount").GetDecimal());
        Assert.Equal("USD", failure.GetProperty("currency").GetString());
        Assert.Equal("Your card was declined.", failure.GetProperty("reason").GetString());

        // The same event delivered again: announced with the same id, so a dashboard shows it once.
        await host.PublishAsync(failed);
        await Task.Delay(1000);
        Assert.All(failuresA, f => Assert.Equal(failed.EventId, f.GetProperty("id").GetGuid()));
        Assert.Empty(failuresB);
        // The invoice's own state did not change: a failed attempt leaves it open.
        Assert.All(updates, u => Assert.Equal("open", u.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task The_hub_refuses_a_connection_without_a_valid_token()
    {
        await using var anonymous = new HubConnectionBuilder().WithUrl($"{host.BaseUrl}/hubs/dashboard").Build();
        await Assert.ThrowsAnyAsync<Exception>(() => anonymous.StartAsync());

        await using var forged = new HubConnectionBuilder()
            .WithUrl($"{host.BaseUrl}/hubs/dashboard?access_token={TestTokens.For(Guid.CreateVersion7(), key: Convert.ToBase64String(new byte[32]))}",
                o => { o.Transports = HttpTransportType.WebSockets; o.SkipNegotiation = true; })
            .Build();
        await Assert.ThrowsAnyAsync<Exception>(() => forged.StartAsync());
    }

    /// <summary>A dashboard connection the way the SPA's fetches authenticate: the bearer token in a header.</summary>
    internal static HubConnection Dashboard(string baseUrl, Guid tenant, string role = "dispatcher") => new HubConnectionBuilder()
        .WithUrl($"{baseUrl}/hubs/dashboard", o => o.AccessTokenProvider = () => Task.FromResult<string?>(TestTokens.For(tenant, role)))
        .Build();

    internal static async Task WaitAsync(Func<bool> condition, int seconds = 20, string what = "invoiceUpdated")
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"No {what} arrived in time.");
            await Task.Delay(50);
        }
    }
}

/// <summary>On a broker of its own: restarting the run's shared RabbitMQ would disturb the other tests.</summary>
public sealed class DashboardResyncTests
{
    [Fact]
    public async Task A_dashboard_is_told_to_read_again_after_the_broker_restarts_and_not_before()
    {
        await using var rabbit = new LocalRabbitMq(Path.Combine(ServerProcess.NewDataRoot(), "rabbitmq"), ServerProcess.FreePort(span: 2));
        await rabbit.StartAsync();
        var host = new NotificationsHost { RabbitMqConnectionString = rabbit.ConnectionString };
        try
        {
            await host.InitializeAsync();
            var tenant = Guid.CreateVersion7();
            var resyncs = 0;
            var updates = new ConcurrentQueue<JsonElement>();
            await using var dashboard = DashboardHubTests.Dashboard(host.BaseUrl, tenant);
            dashboard.On("resync", () => Interlocked.Increment(ref resyncs));
            dashboard.On<JsonElement>("invoiceUpdated", updates.Enqueue);
            await dashboard.StartAsync();

            // The first start missed nothing.
            await host.PublishAsync(NotificationsHost.Issued(tenant, NotificationsHost.NewAddress()));
            await DashboardHubTests.WaitAsync(() => updates.Count == 1);
            Assert.Equal(0, resyncs);

            await rabbit.StopAsync();
            await rabbit.StartAsync();

            await DashboardHubTests.WaitAsync(() => resyncs > 0, seconds: 120, what: "resync");
            Assert.Equal(HubConnectionState.Connected, dashboard.State);
            var issued = NotificationsHost.Issued(tenant, NotificationsHost.NewAddress(), number: "INV-000124");
            await host.PublishAsync(issued);
            // The push queue can be back before the InvoiceIssued consumer's own endpoint has reconnected (back-off). The first
            // event can come again too: on a loaded machine its ack may not have reached the broker before the restart.
            await DashboardHubTests.WaitAsync(() => updates.Any(u => u.GetProperty("invoiceId").GetGuid() == issued.InvoiceId), seconds: 120);
            Assert.Equal("INV-000124", updates.First(u => u.GetProperty("invoiceId").GetGuid() == issued.InvoiceId).GetProperty("number").GetString());
            Assert.Equal(1, resyncs);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
