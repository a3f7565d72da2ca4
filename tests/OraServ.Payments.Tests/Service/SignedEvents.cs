using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using OraServ.StripeEmulator;
using Stripe;

namespace OraServ.Payments.Tests.Service;

/// <summary>Connect events shaped and signed like Stripe's, posted straight to a Payments instance in a chosen order.</summary>
public static class SignedEvents
{
    public static string NewId(string prefix) => prefix + "_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>payment_intent.payment_failed (a declined card) or payment_intent.succeeded for an intent of the invoice.</summary>
    public static string PaymentIntent(string type, string account, string intentId, Guid invoiceId, long amountMinor) =>
        Event(type, account, new JsonObject
        {
            ["id"] = intentId,
            ["object"] = "payment_intent",
            ["amount"] = amountMinor,
            ["amount_received"] = type == "payment_intent.succeeded" ? amountMinor : 0,
            ["currency"] = "usd",
            ["latest_charge"] = NewId("ch"),
            ["last_payment_error"] = type == "payment_intent.succeeded" ? null : new JsonObject { ["message"] = "Your card was declined." },
            ["metadata"] = new JsonObject { ["invoice_id"] = invoiceId.ToString() },
            ["status"] = type == "payment_intent.succeeded" ? "succeeded" : "requires_payment_method",
        });

    /// <summary>charge.dispute.created for a charge of the intent.</summary>
    public static string DisputeCreated(string account, string intentId, long amountMinor) =>
        Event("charge.dispute.created", account, new JsonObject
        {
            ["id"] = NewId("dp"),
            ["object"] = "dispute",
            ["amount"] = amountMinor,
            ["charge"] = NewId("ch"),
            ["payment_intent"] = intentId,
            ["currency"] = "usd",
            ["reason"] = "fraudulent",
            ["status"] = "needs_response",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        });

    private static string Event(string type, string account, JsonObject data) => new JsonObject
    {
        ["id"] = NewId("evt"),
        ["object"] = "event",
        ["account"] = account,
        ["api_version"] = StripeConfiguration.ApiVersion,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["data"] = new JsonObject { ["object"] = data },
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["type"] = type,
    }.ToJsonString();

    /// <summary>POSTs the event to the instance's /webhooks/stripe, signed with the test endpoint's secret; the answer's status.</summary>
    public static async Task<HttpStatusCode> PostAsync(this PaymentsHost payments, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", WebhookDispatcher.SignatureHeader(PaymentsHost.WebhookSecret, body, DateTimeOffset.UtcNow));
        using var response = await payments.Http.SendAsync(request);
        return response.StatusCode;
    }
}
