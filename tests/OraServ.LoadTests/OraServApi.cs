using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace OraServ.LoadTests;

/// <summary>A business signed up through the gateway with its Stripe account connected through the emulator's onboarding page.</summary>
public sealed record Tenant(HttpClient Owner, string AccessToken, string StripeAccountId, Guid[] ClientIds);

/// <summary>The public HTTP contract as a client uses it: the gateway for everything, the emulator where a customer's browser would go.</summary>
public sealed class OraServApi(LoadOptions options) : IDisposable
{
    /// <summary>Any sk_test_ key opens the emulator; a customer's browser would confirm with stripe.js instead.</summary>
    private const string EmulatorKey = "sk_test_oraserv_load";

    /// <summary>The customers' side (pay pages): each pay token's requests come from an address of its own, as each
    /// customer pays from their own phone, so the gateway's per-address limit on /api/pay applies per customer.</summary>
    public HttpClient Anonymous { get; } = new(new CustomerAddressHandler { InnerHandler = NewHandler() })
    {
        BaseAddress = options.Gateway,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public HttpClient Emulator { get; } = NewEmulatorClient(options.Emulator);

    public LoadOptions Options => options;

    private static SocketsHttpHandler NewHandler() => new()
    {
        MaxConnectionsPerServer = int.MaxValue,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        AllowAutoRedirect = false,
    };

    /// <summary>X-Forwarded-For (believed from loopback) from the pay token: 198.18.0.0/15, the benchmarking range.</summary>
    private sealed class CustomerAddressHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri?.AbsolutePath ?? "";
            if (path.StartsWith("/api/pay/", StringComparison.Ordinal))
            {
                var token = path["/api/pay/".Length..].Split('/')[0];
                var hash = (uint)StringComparer.Ordinal.GetHashCode(token);
                request.Headers.Add("X-Forwarded-For", $"198.{18 + (hash >> 16) % 2}.{(hash >> 8) % 256}.{hash % 254 + 1}");
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    public static HttpClient NewClient(Uri baseAddress) => new(NewHandler())
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    private static HttpClient NewEmulatorClient(Uri baseAddress)
    {
        var client = NewClient(baseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", EmulatorKey);
        return client;
    }

    /// <summary>
    /// Register, log in, connect Stripe (the onboarding page completed like a person would), and add a few clients.
    /// Business n signs up from its own address (X-Forwarded-For, believed from loopback), as separate businesses would,
    /// so the per-address limit on sign-up does not cap how many tenants a run makes.
    /// </summary>
    public async Task<Tenant> SignUpAsync(int n)
    {
        var email = $"load-{Guid.NewGuid():N}@example.com";
        const string password = "load-driver-42";
        var from = $"198.51.100.{n % 250 + 1}";
        await MustAsync(Anonymous.SendAsync(FromAddress(Post("/api/account/register", new { businessName = $"Load Test Plumbing {n}", email, password }), from)));
        var login = await MustAsync(Anonymous.SendAsync(FromAddress(Post("/api/account/login", new { email, password }), from)));
        var token = login.GetProperty("accessToken").GetString()!;
        var owner = NewClient(options.Gateway);
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        var onboardingUrl = (await MustAsync(owner.PostAsync("/api/payments/stripe/connect", null))).GetProperty("onboardingUrl").GetString()!;
        using var browser = NewClient(options.Gateway);
        (await browser.GetAsync(new Uri(onboardingUrl))).EnsureSuccessStatusCode();
        var completed = await browser.PostAsync(new Uri(onboardingUrl), new FormUrlEncodedContent([]));
        if (completed.Headers.Location is not { } returnUrl)
        {
            throw new InvalidOperationException($"The onboarding page answered {(int)completed.StatusCode} without a redirect.");
        }
        await browser.GetAsync(returnUrl.IsAbsoluteUri ? returnUrl : new Uri(new Uri(onboardingUrl), returnUrl));
        var account = await MustAsync(owner.GetAsync("/api/payments/stripe/account"));
        if (account.GetProperty("status").GetString() != "active")
        {
            throw new InvalidOperationException($"Stripe account not active after onboarding: {account}");
        }

        var clients = new Guid[20];
        for (var i = 0; i < clients.Length; i++)
        {
            var client = await MustAsync(owner.PostAsJsonAsync("/api/clients", new
            {
                firstName = "Dana",
                lastName = $"Reyes {i}",
                email = $"dana{i}@example.com",
                phone = $"+1555{1000000 + i}",
                address = $"{i + 1} Elm St",
            }));
            clients[i] = client.GetProperty("id").GetGuid();
        }
        return new Tenant(owner, token, account.GetProperty("accountId").GetString()!, clients);
    }

    private static HttpRequestMessage FromAddress(HttpRequestMessage request, string address)
    {
        request.Headers.Add("X-Forwarded-For", address);
        return request;
    }

    public static object JobRequest(Guid clientId, int i) => new
    {
        clientId,
        title = $"Water heater swap {i}",
        lineItems = new object[]
        {
            new { kind = "labor", description = "Install", quantity = 2m, unitPrice = 95m },
            new { kind = "material", description = "40 gal heater", quantity = 1m, unitPrice = 610.5m },
            new { kind = "fee", description = "Disposal", quantity = 1m, unitPrice = 25m, taxable = false },
        },
    };

    /// <summary>A scheduled job completed in the field: its id.</summary>
    public static async Task<Guid> CompletedJobAsync(Tenant tenant, int i)
    {
        var job = await MustAsync(tenant.Owner.PostAsJsonAsync("/api/jobs", JobRequest(tenant.ClientIds[i % tenant.ClientIds.Length], i)));
        var jobId = job.GetProperty("id").GetGuid();
        await MustAsync(tenant.Owner.PostAsJsonAsync($"/api/jobs/{jobId}/complete", new { notes = "Done" }));
        return jobId;
    }

    /// <summary>An open invoice with a pay intent, as the customer's pay page leaves it.</summary>
    public async Task<OpenInvoice> OpenInvoiceWithIntentAsync(Tenant tenant, int i)
    {
        var jobId = await CompletedJobAsync(tenant, i);
        var invoiceId = (await MustAsync(tenant.Owner.PostAsJsonAsync("/api/invoices", new { jobId }))).GetProperty("id").GetGuid();
        var sent = await MustAsync(tenant.Owner.PostAsJsonAsync($"/api/invoices/{invoiceId}/send", new { terms = "net_15" }));
        var token = PayToken(sent);
        // The pay page's data arrives with InvoiceIssued; until then the pay routes answer 404.
        for (var attempt = 0; (await Anonymous.GetAsync($"/api/pay/{token}")).StatusCode == HttpStatusCode.NotFound; attempt++)
        {
            if (attempt > 600)
            {
                throw new TimeoutException($"Pay page of invoice {invoiceId} never appeared.");
            }
            await Task.Delay(100);
        }
        var intent = await MustAsync(Anonymous.PostAsync($"/api/pay/{token}/intent", null));
        return new OpenInvoice(invoiceId, intent.GetProperty("paymentIntentId").GetString()!, intent.GetProperty("stripeAccount").GetString()!,
            intent.GetProperty("amount").GetDecimal(), intent.GetProperty("currency").GetString()!);
    }

    public static string PayToken(JsonElement sentInvoice)
    {
        var payUrl = sentInvoice.GetProperty("payUrl").GetString()!;
        return payUrl[(payUrl.LastIndexOf('/') + 1)..];
    }

    /// <summary>The customer's card confirmation at Stripe: pm_card_visa succeeds and the emulator sends the webhooks.</summary>
    public HttpRequestMessage Confirm(string paymentIntentId, string stripeAccount)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/payment_intents/{paymentIntentId}/confirm")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["payment_method"] = "pm_card_visa" }),
        };
        request.Headers.Add("Stripe-Account", stripeAccount);
        return request;
    }

    /// <summary>
    /// Sends and times a request from <paramref name="since"/>; a failure is counted by its status and yields null. A 2xx
    /// is the expected answer, or <paramref name="expected"/> when given.
    /// </summary>
    public static async Task<JsonElement?> TimedAsync(HttpClient http, StepStats step, long since, HttpRequestMessage request, HttpStatusCode? expected = null)
    {
        try
        {
            using (request)
            using (var response = await http.SendAsync(request))
            {
                var body = await response.Content.ReadAsStringAsync();
                var elapsed = OpenLoop.MillisecondsSince(since);
                if (expected is { } status ? response.StatusCode != status : !response.IsSuccessStatusCode)
                {
                    step.Failure(((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), body);
                    return null;
                }
                step.Success(elapsed, since);
                return body.Length == 0 || !response.IsSuccessStatusCode ? default : JsonDocument.Parse(body).RootElement.Clone();
            }
        }
        catch (TaskCanceledException)
        {
            step.Failure("timeout");
        }
        catch (HttpRequestException ex)
        {
            step.Failure(ex.HttpRequestError.ToString());
        }
        return null;
    }

    /// <summary>
    /// Like <see cref="TimedAsync"/>, but a 5xx, a timeout or no answer is tried again every second until
    /// <paramref name="patience"/> has passed, as a person does while a part of the system is down; a 4xx is final.
    /// </summary>
    public static async Task<JsonElement?> PatientAsync(HttpClient http, StepStats step, long since, Func<HttpRequestMessage> request, TimeSpan patience)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            string outcome;
            string? example = null;
            try
            {
                using var message = request();
                using var response = await http.SendAsync(message);
                var body = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    step.Success(OpenLoop.MillisecondsSince(since), since);
                    return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
                }
                outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                example = body;
                if ((int)response.StatusCode < 500)
                {
                    step.Failure(outcome, example);
                    return null;
                }
            }
            catch (TaskCanceledException)
            {
                outcome = "timeout";
            }
            catch (HttpRequestException ex)
            {
                outcome = ex.HttpRequestError.ToString();
            }
            if (Stopwatch.GetElapsedTime(started) > patience)
            {
                step.Failure(outcome, example);
                return null;
            }
            step.Retry(outcome);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public static HttpRequestMessage Post(string path, object? body) =>
        new(HttpMethod.Post, path) { Content = body is null ? null : JsonContent.Create(body) };

    /// <summary>For setup: a success status with its JSON body, or an exception saying what the gateway answered.</summary>
    public static async Task<JsonElement> MustAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {body}");
        }
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public void Dispose()
    {
        Anonymous.Dispose();
        Emulator.Dispose();
    }
}

public sealed record OpenInvoice(Guid InvoiceId, string PaymentIntentId, string StripeAccount, decimal Amount, string Currency);
