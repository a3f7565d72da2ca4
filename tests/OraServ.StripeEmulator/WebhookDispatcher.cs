using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace OraServ.StripeEmulator;

/// <summary>
/// Posts events to the webhook endpoints signed like Stripe (Stripe-Signature: t=...,v1=HMAC-SHA256 of "t.body" keyed by
/// the whole whsec_ secret), and retries with doubling back-off while an endpoint fails or cannot be reached.
/// </summary>
public sealed class WebhookDispatcher(
    IOptions<EmulatorOptions> options,
    IHttpClientFactory httpClients,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<WebhookDispatcher> logger)
{
    public const string HttpClientName = "webhooks";

    private readonly ConcurrentDictionary<string, WebhookEndpoint> _endpoints = InitialEndpoints(options.Value);
    private readonly ConcurrentQueue<DeliveryRecord> _deliveries = new();
    private readonly SemaphoreSlim _concurrency = new(8);
    private readonly EmulatorOptions _options = options.Value;
    private int _inFlight;

    public sealed record WebhookEndpoint(string Url, string Secret);

    /// <summary>One POST of one event to one endpoint, as the control API reports it.</summary>
    public sealed record DeliveryRecord(string EventId, string EventType, string Url, int Attempt, int? Status, DateTimeOffset At);

    public int EndpointCount => _endpoints.Count;

    /// <summary>Deliveries scheduled or being retried; zero means every event reached its endpoints or was given up.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public IReadOnlyCollection<DeliveryRecord> Deliveries => _deliveries.ToArray();

    public IEnumerable<WebhookEndpoint> Endpoints => _endpoints.Values;

    public WebhookEndpoint AddEndpoint(string url, string? secret)
    {
        var endpoint = new WebhookEndpoint(url, secret ?? "whsec_" + RandomNumberGenerator.GetHexString(32, lowercase: true));
        _endpoints[url] = endpoint;
        return endpoint;
    }

    public bool RemoveEndpoint(string url) => _endpoints.TryRemove(url, out _);

    public void Enqueue(JsonObject evt)
    {
        var body = evt.ToJsonString();
        var id = evt["id"]!.GetValue<string>();
        var type = evt["type"]!.GetValue<string>();
        foreach (var endpoint in _endpoints.Values)
        {
            Interlocked.Increment(ref _inFlight);
            _ = Task.Run(() => DeliverAsync(endpoint, id, type, body));
        }
    }

    private async Task DeliverAsync(WebhookEndpoint endpoint, string id, string type, string body)
    {
        var stopping = lifetime.ApplicationStopping;
        try
        {
            var delay = _options.RetryDelay;
            for (var attempt = 1; attempt <= _options.MaxAttempts && !stopping.IsCancellationRequested; attempt++)
            {
                var status = await PostAsync(endpoint, body, stopping);
                _deliveries.Enqueue(new DeliveryRecord(id, type, endpoint.Url, attempt, status, time.GetUtcNow()));
                if (status is >= 200 and < 300)
                {
                    return;
                }
                logger.LogInformation("Webhook {EventId} ({Type}) to {Url} failed with {Status} on attempt {Attempt}; retrying in {Delay}",
                    id, type, endpoint.Url, status?.ToString(CultureInfo.InvariantCulture) ?? "no answer", attempt, delay);
                await Task.Delay(delay, time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
            logger.LogWarning("Webhook {EventId} to {Url} given up", id, endpoint.Url);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task<int?> PostAsync(WebhookEndpoint endpoint, string body, CancellationToken ct)
    {
        await _concurrency.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (ct.IsCancellationRequested)
        {
            return null;
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.TryAddWithoutValidation("Stripe-Signature", SignatureHeader(endpoint.Secret, body, time.GetUtcNow()));
            request.Headers.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ct);
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            _concurrency.Release();
        }
    }

    /// <summary>Stripe's scheme: v1 = hex HMAC-SHA256 over "{t}.{body}", keyed by the UTF-8 bytes of the whole secret.</summary>
    public static string SignatureHeader(string secret, string body, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    private static ConcurrentDictionary<string, WebhookEndpoint> InitialEndpoints(EmulatorOptions options)
    {
        var endpoints = new ConcurrentDictionary<string, WebhookEndpoint>();
        if (!string.IsNullOrWhiteSpace(options.WebhookUrl))
        {
            foreach (var url in options.WebhookUrl.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                endpoints[url] = new WebhookEndpoint(url, options.WebhookSecret
                    ?? throw new InvalidOperationException("Emulator:WebhookSecret is required with Emulator:WebhookUrl."));
            }
        }
        return endpoints;
    }
}
