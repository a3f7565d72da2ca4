using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Stripe;

namespace OraServ.Payments;

/// <summary>
/// Receives Stripe's webhooks: verifies the signature with Stripe.net's EventUtility against each configured secret,
/// stores the event once by its id (<see cref="StripeEventWriter"/>) and answers once it is committed. Processing happens
/// later, from the stored log.
/// </summary>
public sealed class StripeWebhookIngest(
    StripeEventWriter writer,
    IOptions<StripeSettings> settings,
    StripeEventSignal signal,
    TimeProvider time,
    ILogger<StripeWebhookIngest> logger)
{
    private const int MaxBodyBytes = 512 * 1024;

    public enum Outcome { Stored, Duplicate, Rejected }

    public async Task<Outcome> ReceiveAsync(HttpRequest request, CancellationToken ct)
    {
        var header = request.Headers["Stripe-Signature"].ToString();
        if (header.Length == 0 || request.ContentLength > MaxBodyBytes)
        {
            logger.LogWarning("Stripe webhook refused: {Reason}", header.Length == 0 ? "no Stripe-Signature header" : "body too large");
            PaymentsMetrics.WebhookReceived("rejected");
            return Outcome.Rejected;
        }
        string json;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            json = await reader.ReadToEndAsync(ct);
        }

        var evt = Verify(json, header);
        if (evt is null)
        {
            PaymentsMetrics.WebhookReceived("rejected");
            return Outcome.Rejected;
        }

        var receivedAt = time.GetUtcNow();
        var stored = await writer.StoreAsync(
            new StripeEventRow(evt.Id, evt.Type, StripeEventOrdering.KeyOf(evt), evt.Account, evt.Livemode, json, receivedAt), ct);
        if (!stored)
        {
            PaymentsMetrics.WebhookReceived("duplicate");
            return Outcome.Duplicate;
        }
        PaymentsMetrics.WebhookReceived("stored");
        PaymentsMetrics.WebhookStored(evt.Type, evt.Created, receivedAt);
        signal.Stored(evt.Id);
        return Outcome.Stored;
    }

    private Event? Verify(string json, string header)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var secret in settings.Value.WebhookSecrets)
        {
            try
            {
                return EventUtility.ConstructEvent(json, header, secret, settings.Value.WebhookToleranceSeconds, now, throwOnApiVersionMismatch: true);
            }
            catch (StripeException ex) when (ex.Message.Contains("API version", StringComparison.OrdinalIgnoreCase))
            {
                logger.LogWarning("Stripe webhook refused: its API version is not {ApiVersion}", StripeConfiguration.ApiVersion);
                return null;
            }
            catch (StripeException)
            {
                // Not signed with this secret (or stale, or malformed); try the next endpoint's secret.
            }
        }
        logger.LogWarning("Stripe webhook refused: no valid signature within {Tolerance} s", settings.Value.WebhookToleranceSeconds);
        return null;
    }
}

/// <summary>
/// Which stored events must be worked in the order they arrived: those about the same payment (a decline then its
/// success, a charge's refund, a dispute and its decision) or the same account. Events of different keys are worked in
/// parallel. The key is stored with the event (stripe_events.ordering_key).
/// </summary>
public static class StripeEventOrdering
{
    public static string KeyOf(Event evt) => Truncate(evt.Data?.Object switch
    {
        PaymentIntent intent => intent.Id,
        Charge charge => charge.PaymentIntentId ?? charge.Id,
        Stripe.Dispute dispute => dispute.PaymentIntentId ?? dispute.ChargeId ?? dispute.Id,
        Account account => evt.Account ?? account.Id,
        IHasId other => other.Id,
        _ => null,
    } ?? evt.Id);

    private static string Truncate(string key) => key.Length <= 255 ? key : key[..255];
}

/// <summary>
/// Hands the ids of newly stored events to the event processor and wakes it. Ids beyond what it holds are dropped: the
/// processor's periodic scan finds those events.
/// </summary>
public sealed class StripeEventSignal : OraServ.Messaging.WakeSignal
{
    private readonly Channel<string> _stored = Channel.CreateBounded<string>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Stored(string eventId)
    {
        _stored.Writer.TryWrite(eventId);
        Pulse();
    }

    public bool HasStored => _stored.Reader.Count > 0;

    public bool TryTakeStored(out string eventId) => _stored.Reader.TryRead(out eventId!);
}
