using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace OraServ.LoadTests;

/// <summary>Connect events shaped and signed like Stripe's (API version 2026-10-28.endive), for POST /webhooks/stripe.</summary>
public sealed class StripeWebhooks(string secret)
{
    public const string ApiVersion = "2026-10-28.endive";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(secret);

    /// <summary>payment_intent.succeeded for an intent: the whole amount received, one charge.</summary>
    public static string PaymentIntentSucceeded(string account, string intentId, long amountMinor, string currency, Guid? invoiceId)
    {
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var metadata = new JsonObject();
        if (invoiceId is { } id)
        {
            metadata["invoice_id"] = id.ToString();
        }
        var intent = new JsonObject
        {
            ["id"] = intentId,
            ["object"] = "payment_intent",
            ["amount"] = amountMinor,
            ["amount_capturable"] = 0,
            ["amount_received"] = amountMinor,
            ["automatic_payment_methods"] = new JsonObject { ["allow_redirects"] = "always", ["enabled"] = true },
            ["canceled_at"] = null,
            ["capture_method"] = "automatic",
            ["confirmation_method"] = "automatic",
            ["created"] = created,
            ["currency"] = currency.ToLowerInvariant(),
            ["last_payment_error"] = null,
            ["latest_charge"] = NewId("ch"),
            ["livemode"] = false,
            ["metadata"] = metadata,
            ["payment_method"] = NewId("pm"),
            ["payment_method_types"] = new JsonArray("card"),
            ["status"] = "succeeded",
        };
        return new JsonObject
        {
            ["id"] = NewId("evt"),
            ["object"] = "event",
            ["account"] = account,
            ["api_version"] = ApiVersion,
            ["created"] = created,
            ["data"] = new JsonObject { ["object"] = intent },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new JsonObject { ["id"] = NewId("req"), ["idempotency_key"] = null },
            ["type"] = "payment_intent.succeeded",
        }.ToJsonString();
    }

    /// <summary>Stripe's scheme: t=unix time, v1 = hex HMAC-SHA256 of "t.body" keyed by the whole whsec_ secret.</summary>
    public string Signature(string body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{timestamp}.{body}"));
        return $"t={timestamp},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>The webhook POST, to the gateway's /webhooks/stripe unless <paramref name="target"/> (absolute or relative) says otherwise.</summary>
    public HttpRequestMessage Request(string body, Uri? target = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target ?? new Uri("/webhooks/stripe", UriKind.Relative))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", Signature(body));
        request.Headers.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        return request;
    }

    public static string NewId(string prefix) =>
        prefix + "_" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 24);
}
