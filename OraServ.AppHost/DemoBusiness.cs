using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OraServ.AppHost;

/// <summary>
/// The local run's demo business: once the gateway is healthy it registers a plumbing business through the public API,
/// connects it to the Stripe emulator, adds clients and jobs (three completed and ready for "Invoice Job", one in
/// progress, one scheduled) with a tax rate and default terms, and prints the login. It runs again on every start and changes nothing once the business
/// exists. Off with <c>OraServ:Demo:Enabled=false</c>.
/// </summary>
public static class DemoBusiness
{
    public static void SeedWhenReady(this IResourceBuilder<ProjectResource> gateway, IConfiguration configuration)
    {
        var settings = configuration.GetSection("OraServ:Demo");
        if (!settings.GetValue("Enabled", true))
        {
            return;
        }
        var email = settings["Email"] ?? "demo@oraserv.local";
        var password = settings["Password"] ?? "demo-plumbing-2026";
        var publicUrl = configuration["OraServ:PublicUrl"];
        gateway.OnResourceReady((resource, evt, ct) =>
        {
            var logger = evt.Services.GetRequiredService<ILoggerFactory>().CreateLogger("OraServ.Demo");
            var address = string.IsNullOrEmpty(publicUrl) ? resource.GetEndpoint("http").Url : publicUrl;
            // In the background: a slow seed must not hold up the app host's start.
            _ = Task.Run(async () =>
            {
                try
                {
                    var jobs = await SeedAsync(new Uri(address), email, password, ct);
                    logger.LogInformation("Demo business ready at {Url}: log in as {Email} / {Password} ({Jobs} completed jobs waiting for \"Invoice Job\")",
                        address, email, password, jobs);
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TaskCanceledException)
                {
                    logger.LogWarning("The demo business could not be seeded: {Message}", ex.Message);
                }
            }, CancellationToken.None);
            return Task.CompletedTask;
        });
    }

    /// <summary>Seeds the demo business unless it exists; returns how many of its jobs are completed and not yet invoiced.</summary>
    public static async Task<int> SeedAsync(Uri gateway, string email, string password, CancellationToken ct)
    {
        using var api = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        var login = await api.PostAsJsonAsync("/api/account/login", new { email, password }, ct);
        if (login.StatusCode != HttpStatusCode.OK)
        {
            await Send(api.PostAsJsonAsync("/api/account/register", new
            {
                businessName = "Northside Plumbing & Heating",
                email,
                password,
                currency = "USD",
                timeZone = "America/Chicago",
            }, ct));
            login = await Send(api.PostAsJsonAsync("/api/account/login", new { email, password }, ct));
        }
        var token = (await Json(login, ct)).GetProperty("accessToken").GetString();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        await ConnectStripeAsync(api, ct);
        var clients = await Json(await Send(api.GetAsync("/api/clients", ct)), ct);
        if (clients.GetArrayLength() == 0)
        {
            await AddClientsAndJobsAsync(api, ct);
        }
        var completed = await Json(await Send(api.GetAsync("/api/jobs?status=completed", ct)), ct);
        var invoiced = await Json(await Send(api.GetAsync("/api/invoices", ct)), ct);
        var invoicedJobs = Items(invoiced).Select(i => i.TryGetProperty("jobId", out var j) ? j.ToString() : "").ToHashSet();
        return Items(completed).Count(j => !invoicedJobs.Contains(j.GetProperty("id").ToString()));
    }

    /// <summary>With the Stripe emulator, completes Connect onboarding the way the owner would on its page.</summary>
    private static async Task ConnectStripeAsync(HttpClient api, CancellationToken ct)
    {
        var account = await Json(await Send(api.GetAsync("/api/payments/stripe/account", ct)), ct);
        if (account.GetProperty("status").GetString() == "active")
        {
            return;
        }
        var link = (await Json(await Send(api.PostAsync("/api/payments/stripe/connect", null, ct)), ct)).GetProperty("onboardingUrl").GetString()!;
        var onboarding = new Uri(link);
        if (!IPAddress.TryParse(onboarding.Host, out var ip) || !IPAddress.IsLoopback(ip))
        {
            return; // Live Stripe: onboarding is for the owner to do on Stripe's own pages.
        }
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var submitted = await browser.PostAsync(onboarding, new FormUrlEncodedContent([]), ct);
        if (submitted.Headers.Location is { } returnUrl)
        {
            await browser.GetAsync(returnUrl, ct);
        }
    }

    private static async Task AddClientsAndJobsAsync(HttpClient api, CancellationToken ct)
    {
        await Send(api.PutAsJsonAsync("/api/invoices/settings", new
        {
            businessAddress = "2150 W Irving Park Rd, Chicago, IL 60618",
            businessEmail = "office@northside-plumbing.example",
            businessPhone = "+13125550100",
            defaultTerms = "net_15",
            taxRate = 0.0825m,
        }, ct));
        var clients = new List<Guid>();
        foreach (var (first, last, email, phone, address) in new[]
        {
            ("Dana", "Reyes", "dana.reyes@example.com", "+13125550142", "12 Elm St, Evanston, IL 60201"),
            ("Marcus", "Hale", "marcus.hale@example.com", "+13125550187", "880 W Lake St, Chicago, IL 60607"),
            ("Priya", "Nair", "priya.nair@example.com", "+17735550123", "4410 N Damen Ave, Chicago, IL 60625"),
            ("Tom", "Okafor", "tom.okafor@example.com", "+18475550199", "27 Maple Ct, Skokie, IL 60076"),
        })
        {
            var client = await Json(await Send(api.PostAsJsonAsync("/api/clients", new { firstName = first, lastName = last, email, phone, address }, ct)), ct);
            clients.Add(client.GetProperty("id").GetGuid());
        }

        var jobs = new (int Client, string Title, string Finish, object[] Lines)[]
        {
            (0, "Water heater replacement", "complete", [
                new { kind = "labor", description = "Remove old unit, install and test", quantity = 3.5m, unitPrice = 95m, taxable = false },
                new { kind = "material", description = "50 gal gas water heater", quantity = 1m, unitPrice = 689m, taxable = true },
                new { kind = "material", description = "Flex connectors and fittings", quantity = 4m, unitPrice = 12.75m, taxable = true },
                new { kind = "fee", description = "Haul-away of old unit", quantity = 1m, unitPrice = 45m, taxable = false },
            ]),
            (1, "Furnace tune-up", "complete", [
                new { kind = "service", description = "Seasonal furnace inspection and tune-up", quantity = 1m, unitPrice = 129m, taxable = false },
                new { kind = "material", description = "MERV 11 filter 16x25x1", quantity = 2m, unitPrice = 18.5m, taxable = true },
            ]),
            (2, "Kitchen drain clog", "complete", [
                new { kind = "labor", description = "Snake kitchen drain line", quantity = 1.25m, unitPrice = 95m, taxable = false },
                new { kind = "fee", description = "Same-day call-out", quantity = 1m, unitPrice = 59m, taxable = false },
            ]),
            (3, "Sump pump install", "start", [
                new { kind = "labor", description = "Install pump and check valve", quantity = 2m, unitPrice = 95m, taxable = false },
                new { kind = "material", description = "1/2 HP submersible sump pump", quantity = 1m, unitPrice = 219m, taxable = true },
            ]),
            (1, "AC pre-season check", "", [
                new { kind = "service", description = "AC inspection and coil cleaning", quantity = 1m, unitPrice = 149m, taxable = false },
            ]),
        };
        foreach (var (client, title, finish, lines) in jobs)
        {
            var job = await Json(await Send(api.PostAsJsonAsync("/api/jobs", new { clientId = clients[client], title, lineItems = lines }, ct)), ct);
            var id = job.GetProperty("id").GetGuid();
            if (finish == "start")
            {
                await Send(api.PostAsync($"/api/jobs/{id}/start", null, ct));
            }
            else if (finish == "complete")
            {
                await Send(api.PostAsJsonAsync($"/api/jobs/{id}/complete", new { notes = "Work completed and tested with the customer." }, ct));
            }
        }
    }

    private static IEnumerable<JsonElement> Items(JsonElement list) =>
        list.ValueKind == JsonValueKind.Array ? list.EnumerateArray()
        : list.TryGetProperty("items", out var items) ? items.EnumerateArray() : [];

    private static async Task<HttpResponseMessage> Send(Task<HttpResponseMessage> request)
    {
        var response = await request;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} from {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {await response.Content.ReadAsStringAsync()}");
        }
        return response;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, CancellationToken ct) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
}
