using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;

namespace OraServ.Gateway.Tests;

public sealed class PublicRouteLimitTests(RateLimitedGatewayApp app) : IClassFixture<RateLimitedGatewayApp>
{
    // Each case its own client address: the cases share the gateway, and a limit counts per address.
    private static int _nextAddress;
    private readonly HttpClient _client = app.NewClient();

    [Theory]
    [InlineData("GET", "/api/pay/tok_guess")]
    [InlineData("POST", "/api/pay/tok_guess/intent")]
    [InlineData("POST", "/webhooks/stripe")]
    [InlineData("POST", "/webhooks/twilio/sms")]
    public async Task A_public_route_answers_429_problem_details_beyond_its_limit_from_one_address_and_other_addresses_go_on(string method, string path)
    {
        var address = $"192.0.2.{100 + Interlocked.Increment(ref _nextAddress)}";
        for (var request = 1; request <= 5; request++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(method, path, address)).StatusCode);
        }
        var forwarded = app.UpstreamRequests.Count;

        var limited = await SendAsync(method, path, address);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(429, (await limited.Content.ReadFromJsonAsync<ProblemDetails>())!.Status);
        Assert.True(limited.Headers.RetryAfter is not null, "Retry-After");
        Assert.Equal(forwarded, app.UpstreamRequests.Count);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(method, path, "198.51.100.7")).StatusCode);
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string address)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { id = "evt_1" });
        }
        request.Headers.Add(RateLimitedGatewayApp.PeerHeader, address);
        return _client.SendAsync(request);
    }
}

public sealed class ProtectionTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    [Theory]
    [InlineData("/api/jobs")]
    [InlineData("/webhooks/stripe")]
    [InlineData("/api/pay/tok_1/intent")]
    public async Task A_body_over_one_megabyte_answers_413_problem_details_and_never_reaches_a_service(string path)
    {
        var client = await SignedInAsync();
        var before = app.UpstreamRequests.Count;

        var response = await client.PostAsync(path, new StringContent($$"""{"notes":"{{new string('x', 1024 * 1024)}}"}""", null, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(413, (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Status);
        Assert.Equal(before, app.UpstreamRequests.Count);
    }

    [Fact]
    public async Task A_body_just_under_the_limit_is_forwarded()
    {
        var client = await SignedInAsync();

        var response = await client.PostAsync("/api/jobs", new StringContent($$"""{"notes":"{{new string('x', 1000 * 1000)}}"}""", null, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task API_answers_are_not_cached_nor_sniffed_and_the_app_page_has_a_content_security_policy()
    {
        var client = await SignedInAsync();

        var api = await client.GetAsync("/api/jobs/42");
        var page = await client.GetAsync("/pay/tok_1");

        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.True(api.Headers.CacheControl?.NoStore, "Cache-Control: no-store on /api");
        Assert.Equal("nosniff", api.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("strict-origin-when-cross-origin", api.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.False(page.Headers.Contains("Strict-Transport-Security"), "no HSTS in development");
    }

    [Fact]
    public async Task CORS_is_closed_a_page_of_another_origin_gets_no_allow_origin_on_preflight_or_request()
    {
        var client = await SignedInAsync();
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/jobs");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs/42");
        request.Headers.Add("Origin", "https://evil.example");

        var responses = new[] { await client.SendAsync(preflight), await client.SendAsync(request) };

        Assert.All(responses, r => Assert.False(r.Headers.Contains("Access-Control-Allow-Origin"), $"{r.RequestMessage!.Method}: Access-Control-Allow-Origin"));
        Assert.All(responses, r => Assert.False(r.Headers.Contains("Access-Control-Allow-Credentials"), "Access-Control-Allow-Credentials"));
    }

    private async Task<HttpClient> SignedInAsync()
    {
        var client = app.NewClient();
        var email = Accounts.NewEmail();
        await Accounts.RegisterAsync(client, email);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Accounts.LoginAsync(client, email));
        return client;
    }
}

/// <summary>The gateway as production runs it, behind TLS.</summary>
public sealed class ProductionGatewayApp : GatewayApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
    }
}

public sealed class ProductionProtectionTests(ProductionGatewayApp app) : IClassFixture<ProductionGatewayApp>
{
    [Fact]
    public async Task In_production_every_https_answer_carries_HSTS_for_a_year_with_subdomains()
    {
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://billing.example"), AllowAutoRedirect = false });

        foreach (var response in new[] { await client.GetAsync("/"), await client.GetAsync("/api/pay/tok_1") })
        {
            var hsts = response.Headers.GetValues("Strict-Transport-Security").Single();
            Assert.Equal("max-age=31536000; includeSubDomains", hsts);
        }
    }
}

public sealed class ApiReferenceTests(GatewayApp development, ProductionGatewayApp production) : IClassFixture<GatewayApp>, IClassFixture<ProductionGatewayApp>
{
    [Fact]
    public async Task In_development_the_API_reference_lists_every_service_and_their_documents_come_through_the_gateway()
    {
        var client = development.NewClient();

        var page = await client.GetStringAsync("/scalar/");
        var document = await client.GetFromJsonAsync<UpstreamEcho>("/openapi/payments.json");

        foreach (var service in ApiReference.Services)
        {
            Assert.Contains($"openapi/{service}.json", page, StringComparison.Ordinal);
        }
        Assert.Equal("/openapi/v1.json", document!.Path);
        Assert.Contains("\"openapi\"", await client.GetStringAsync("/openapi/v1.json"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_production_neither_the_reference_nor_the_documents_are_served()
    {
        var client = production.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://billing.example") });
        var before = production.UpstreamRequests.Count;

        var document = await client.GetAsync("/openapi/payments.json");
        var page = await client.GetStringAsync("/scalar/");

        Assert.Equal(HttpStatusCode.NotFound, document.StatusCode);
        Assert.Equal(before, production.UpstreamRequests.Count);
        Assert.DoesNotContain("openapi", page, StringComparison.OrdinalIgnoreCase);
    }
}
