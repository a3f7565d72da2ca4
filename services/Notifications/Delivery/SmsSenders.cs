using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace OraServ.Notifications.Delivery;

/// <summary>
/// Twilio settings (section "Twilio"); SMS go through Twilio only when AccountSid, AuthToken and From are set. The
/// inbound webhook needs AuthToken only (the local run makes one of its own, so the webhook can be tried without Twilio).
/// </summary>
public sealed class TwilioOptions
{
    public const string Section = "Twilio";
    public string? AccountSid { get; set; }
    /// <summary>The account's auth token: it authenticates the API calls and signs the inbound webhooks.</summary>
    public string? AuthToken { get; set; }
    /// <summary>The sending number in E.164, or a messaging service sid (MG...).</summary>
    public string? From { get; set; }
    /// <summary>
    /// The public URL Twilio posts replies to, exactly as set on the number in the Twilio console
    /// (https://example.com/webhooks/twilio/sms): Twilio signs that URL, not the one this service sees behind the gateway.
    /// </summary>
    public string? WebhookUrl { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AccountSid) && !string.IsNullOrWhiteSpace(AuthToken) && !string.IsNullOrWhiteSpace(From);
}

public interface ISmsSender
{
    /// <summary>Sends the text to an E.164 number; returns the provider's message id.</summary>
    Task<string> SendAsync(string to, string body, CancellationToken ct);
}

/// <summary>The local run's SMS: nothing leaves the machine; the delivery log shows the message as sent.</summary>
public sealed class RecordingSmsSender(ILogger<RecordingSmsSender> logger) : ISmsSender
{
    public Task<string> SendAsync(string to, string body, CancellationToken ct)
    {
        var id = $"rec_{Guid.CreateVersion7():N}";
        logger.LogInformation("SMS recorded, not sent (Twilio is not configured): {Id} to {To}, {Length} characters", id, to, body.Length);
        return Task.FromResult(id);
    }
}

/// <summary>SMS through Twilio's Messages API.</summary>
public sealed class TwilioSmsSender(IOptions<TwilioOptions> options) : ISmsSender
{
    private readonly Lazy<TwilioRestClient> _client = new(() => new TwilioRestClient(options.Value.AccountSid, options.Value.AuthToken));

    public async Task<string> SendAsync(string to, string body, CancellationToken ct)
    {
        var from = options.Value.From!;
        var create = new CreateMessageOptions(new PhoneNumber(to)) { Body = body };
        if (from.StartsWith("MG", StringComparison.Ordinal))
        {
            create.MessagingServiceSid = from;
        }
        else
        {
            create.From = new PhoneNumber(from);
        }
        try
        {
            var message = await MessageResource.CreateAsync(create, _client.Value);
            return message.Sid;
        }
        catch (ApiException ex) when (ex.Status is >= 400 and < 500 and not 429)
        {
            // e.g. 21211 invalid 'To', 21610 unsubscribed recipient: trying again changes nothing.
            throw new PermanentDeliveryException($"Twilio refused the SMS: {ex.Code} {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is ApiException or ApiConnectionException or HttpRequestException)
        {
            throw new TransientDeliveryException($"Twilio is not reachable: {ex.Message}", ex);
        }
    }
}
