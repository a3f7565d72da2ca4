using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;

namespace OraServ.Gateway.Tests;

public sealed class RateLimitTests(RateLimitedGatewayApp app) : IClassFixture<RateLimitedGatewayApp>
{
    private readonly HttpClient _client = app.NewClient();

    [Fact]
    public async Task Sign_in_attempts_beyond_ten_a_minute_from_one_address_answer_429_problem_details_and_so_does_sign_up()
    {
        const string address = "192.0.2.50";
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(address)).StatusCode);
        }

        var limited = await LoginAsync(address);
        var register = await SendAsync("/api/account/register", new { businessName = "Late", email = Accounts.NewEmail(), password = Accounts.Password }, address);

        foreach (var response in new[] { limited, register })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(429, (await response.Content.ReadFromJsonAsync<ProblemDetails>())!.Status);
            Assert.True(response.Headers.RetryAfter is not null, "Retry-After");
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync("192.0.2.51")).StatusCode);
    }

    [Fact]
    public async Task Behind_the_trusted_ingress_each_client_address_has_its_own_limit()
    {
        for (var client = 1; client <= 12; client++)
        {
            var response = await LoginAsync(RateLimitedGatewayApp.Ingress, forwardedFor: $"203.0.113.{client}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_client_that_is_not_a_trusted_proxy_cannot_escape_the_limit_with_X_Forwarded_For()
    {
        const string address = "192.0.2.77";
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await LoginAsync(address, forwardedFor: $"198.51.100.{attempt}")).StatusCode);
        }

        var response = await LoginAsync(address, forwardedFor: "198.51.100.99");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
    }

    private Task<HttpResponseMessage> LoginAsync(string address, string? forwardedFor = null) =>
        SendAsync("/api/account/login", new { email = Accounts.NewEmail(), password = "guessing 123" }, address, forwardedFor);

    private Task<HttpResponseMessage> SendAsync<T>(string path, T body, string address, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(RateLimitedGatewayApp.PeerHeader, address);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }
        return _client.SendAsync(request);
    }
}
