using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OraServ.StripeEmulator;
using Stripe;

namespace OraServ.Payments.Tests.Emulator;

/// <summary>The Stripe emulator on a free loopback port, with a Stripe.net client pointed at it.</summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Stripe = new StripeClient(new StripeClientOptions { ApiKey = "sk_test_emulator", ApiBase = baseUrl });
        Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
    }

    public string BaseUrl { get; }
    public StripeClient Stripe { get; }
    public HttpClient Http { get; }
    public IServiceProvider Services => _app.Services;
    public WebhookDispatcher Webhooks => _app.Services.GetRequiredService<WebhookDispatcher>();

    public static async Task<EmulatorHost> StartAsync(params string[] settings)
    {
        var args = new List<string> { "--urls", "http://127.0.0.1:0", "--Emulator:RetryDelay=00:00:00.100", "--Emulator:MaxRetryDelay=00:00:00.500" };
        args.AddRange(settings);
        var app = StripeEmulatorApp.Create([.. args]);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new EmulatorHost(app, address);
    }

    /// <summary>Waits until every webhook delivery has reached its endpoint (or was given up).</summary>
    public async Task WebhooksDrainedAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Webhooks.InFlight > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Webhooks.InFlight} webhook deliveries still pending.");
            }
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>A webhook endpoint that records what it receives; it can be told to fail the first N deliveries.</summary>
public sealed class WebhookRecorder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;

    public sealed record Received(string Body, string? Signature, DateTimeOffset At);

    public ConcurrentQueue<Received> Requests { get; } = new();
    public string Url { get; }

    private WebhookRecorder(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public void FailNext(int count) => _failuresLeft = count;

    public static async Task<WebhookRecorder> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        WebhookRecorder? recorder = null;
        app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            recorder!.Requests.Enqueue(new Received(body, request.Headers["Stripe-Signature"], DateTimeOffset.UtcNow));
            return Interlocked.Decrement(ref recorder._failuresLeft) >= 0 ? Results.StatusCode(500) : Results.Ok();
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        recorder = new WebhookRecorder(app, address + "/hook");
        return recorder;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
