using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Gateway.Accounts;
using OraServ.Messaging;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.Gateway.Tests;

/// <summary>
/// The gateway in memory on a fresh PostgreSQL database of its own, with a random signing key, and an upstream
/// stand-in for the Jobs service that echoes the Authorization header it receives.
/// </summary>
public class GatewayApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private string _connectionString = "";
    private WebApplication? _upstream;
    private string _upstreamAddress = "";

    public string SigningKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>High by default, so that tests of one class do not trip over each other's sign-ins.</summary>
    protected virtual int AccountRateLimit => 1000;

    public TokenSettings TokenSettings => new() { SigningKey = SigningKey };

    public async Task InitializeAsync()
    {
        var servers = await TestServers.SharedAsync();
        _connectionString = servers.ConnectionString(TestServers.NewDatabaseName("gateway"));
        _upstream = await StartUpstreamAsync();
        _upstreamAddress = _upstream.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        await Services.MigrateAsync<GatewayDbContext>(TimeSpan.FromSeconds(30));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting($"ConnectionStrings:{ResourceNames.GatewayDb}", _connectionString);
        builder.UseSetting($"{TokenSettings.Section}:SigningKey", SigningKey);
        builder.UseSetting($"{RateLimitRule.Section}:{Protection.Accounts}:PermitLimit", AccountRateLimit.ToString());
        builder.UseSetting("ReverseProxy:Clusters:jobs:Destinations:d1:Address", _upstreamAddress);
        builder.UseSetting("ReverseProxy:Clusters:notifications:Destinations:d1:Address", _upstreamAddress);
        builder.UseSetting("ReverseProxy:Clusters:payments:Destinations:d1:Address", _upstreamAddress);
        builder.UseSetting(Spa.PathSetting, SpaFolder);
    }

    /// <summary>The paths of the requests that reached the upstream services.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> UpstreamRequests { get; } = new();

    /// <summary>A stand-in for the built web app: its index.html.</summary>
    private static readonly string SpaFolder = CreateSpaFolder();

    private static string CreateSpaFolder()
    {
        var folder = Directory.CreateTempSubdirectory("oraserv-spa-").FullName;
        File.WriteAllText(Path.Combine(folder, "index.html"), "<!doctype html><title>OraServ</title><div id=\"root\"></div>");
        return folder;
    }

    /// <summary>A client on https (the access cookie is Secure) that keeps cookies like a browser.</summary>
    public HttpClient NewClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false });

    public async Task<T> QueryAsync<T>(Func<GatewayDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<GatewayDbContext>());
    }

    public Task<int> TenantCountAsync() => QueryAsync(db => db.Tenants.CountAsync());

    public Task<int> UserCountAsync() => QueryAsync(db => db.Users.CountAsync());

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }
    }

    private async Task<WebApplication> StartUpstreamAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Map("/{**rest}", (HttpRequest request) =>
        {
            UpstreamRequests.Enqueue(request.Path);
            return Results.Json(new UpstreamEcho(request.Path, request.Headers.Authorization.ToString()));
        });
        await app.StartAsync();
        return app;
    }
}

public sealed record UpstreamEcho(string Path, string Authorization);

/// <summary>
/// The same gateway with the production limit on sign-up and sign-in and five requests a window on the pay API and the
/// webhooks, behind an "ingress" on 10.0.0.0/8. A test picks the address its requests come from with X-Test-Peer (the
/// in-memory server has no real peer address).
/// </summary>
public sealed class RateLimitedGatewayApp : GatewayApp
{
    public const string PeerHeader = "X-Test-Peer";
    public const string Ingress = "10.1.2.3";

    protected override int AccountRateLimit => 10;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Gateway:TrustedProxies:0", "10.0.0.0/8");
        builder.UseSetting($"{RateLimitRule.Section}:{Protection.Pay}:PermitLimit", "5");
        builder.UseSetting($"{RateLimitRule.Section}:{Protection.Webhooks}:PermitLimit", "5");
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, PeerAddressFilter>());
    }

    private sealed class PeerAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (System.Net.IPAddress.TryParse(context.Request.Headers[PeerHeader], out var peer))
                {
                    context.Connection.RemoteIpAddress = peer;
                }
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>Sign-up and sign-in as a user would do them.</summary>
public static class Accounts
{
    public const string Password = "correct horse 42";

    public static string NewEmail(string who = "owner") => $"{who}-{Guid.NewGuid():N}@example.com";

    public static async Task<RegisteredView> RegisterAsync(HttpClient client, string? email = null, string businessName = "Acme Plumbing")
    {
        var response = await client.PostAsJsonAsync("/api/account/register", new { businessName, email = email ?? NewEmail(), password = Password });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RegisteredView>())!;
    }

    public static async Task<string> LoginAsync(HttpClient client, string email, string password = Password)
    {
        var response = await client.PostAsJsonAsync("/api/account/login", new { email, password });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<TokenView>())!.AccessToken;
    }

    public static HttpRequestMessage WithToken(this HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string path, string token) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, path).WithToken(token));

    public static Task<HttpResponseMessage> PostAsJsonAsync<T>(this HttpClient client, string path, T body, string token) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }.WithToken(token));
}
