using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;

namespace OraServ.Gateway.Tests;

public sealed class GatewayRoutingTests(GatewayApp app) : IClassFixture<GatewayApp>
{
    [Theory]
    [InlineData("/api/account/login")]
    [InlineData("/api/account/register")]
    [InlineData("/api/account/users")]
    [InlineData("/api/account/anything/else")]
    public void No_proxy_route_captures_the_account_routes(string path)
    {
        var routes = app.Services.GetRequiredService<IProxyConfigProvider>().GetConfig().Routes;

        Assert.NotEmpty(routes);
        Assert.All(routes, route =>
        {
            var matcher = new TemplateMatcher(TemplateParser.Parse(route.Match.Path!), new RouteValueDictionaryDefaults());
            Assert.False(matcher.TryMatch(path, []), $"{route.RouteId} ({route.Match.Path}) would proxy {path}");
        });
    }

    [Fact]
    public async Task A_browser_signed_in_by_cookie_reaches_the_services_with_a_bearer_header()
    {
        var email = Accounts.NewEmail();
        var browser = app.NewClient();
        await Accounts.RegisterAsync(browser, email);
        var token = await Accounts.LoginAsync(browser, email);

        var echo = await browser.GetFromJsonAsync<UpstreamEcho>("/api/jobs/42");

        Assert.Equal("/api/jobs/42", echo!.Path);
        Assert.Equal($"Bearer {token}", echo.Authorization);
    }

    [Fact]
    public async Task An_authorization_header_is_forwarded_as_sent_even_with_a_cookie()
    {
        var email = Accounts.NewEmail();
        var browser = app.NewClient();
        await Accounts.RegisterAsync(browser, email);
        await Accounts.LoginAsync(browser, email);

        var echo = await (await browser.GetAsync("/api/jobs", "header-token")).Content.ReadFromJsonAsync<UpstreamEcho>();

        Assert.Equal("Bearer header-token", echo!.Authorization);
    }

    [Fact]
    public async Task Proxied_routes_leave_authorization_to_the_services()
    {
        var echo = await app.NewClient().GetFromJsonAsync<UpstreamEcho>("/api/clients");

        Assert.Equal("", echo!.Authorization);
    }

    [Fact]
    public async Task Twilio_replies_reach_notifications_without_a_token()
    {
        var response = await app.NewClient().PostAsync("/webhooks/twilio/sms",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["From"] = "+15551234567", ["Body"] = "STOP" }));

        var echo = await response.Content.ReadFromJsonAsync<UpstreamEcho>();
        Assert.Equal(("/webhooks/twilio/sms", ""), (echo!.Path, echo.Authorization));
    }

    [Fact]
    public async Task Health_answers_without_a_token()
    {
        var response = await app.NewClient().GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private sealed class RouteValueDictionaryDefaults : Microsoft.AspNetCore.Routing.RouteValueDictionary;
}


public sealed class SigningKeyTests
{
    [Theory]
    [InlineData("")]
    [InlineData("c2hvcnQ=")]
    [InlineData("not base64 at all")]
    public void The_gateway_does_not_start_without_a_usable_signing_key(string key)
    {
        var error = Assert.IsType<Microsoft.Extensions.Options.OptionsValidationException>(StartupError(key));
        Assert.Contains("Auth:SigningKey", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Why the gateway did not start. The test host waits for Program to start the host, and when that fails Program
    /// disposes it; the test host can lose that race and report the disposed services instead of the error (a CI run,
    /// 2026-12-06), so a start that ends that way is tried again.
    /// </summary>
    private static Exception? StartupError(string key)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
            {
                builder.UseSetting("ConnectionStrings:gatewaydb", "Host=127.0.0.1;Port=1;Database=unused");
                builder.UseSetting("Auth:SigningKey", key);
            });
            var error = Record.Exception(() => app.Services);
            if (error is not ObjectDisposedException || attempt == 5)
            {
                return error;
            }
        }
    }
}
