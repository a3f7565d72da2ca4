using Stripe;

namespace OraServ.Payments;

/// <summary>Stripe configuration (section "Stripe"). The keys and secrets are never logged.</summary>
public sealed class StripeSettings
{
    public const string Section = "Stripe";

    public string SecretKey { get; set; } = "";
    public string PublishableKey { get; set; } = "";

    /// <summary>Signing secrets of the webhook endpoints (platform and Connect endpoints have one each).</summary>
    public List<string> WebhookSecrets { get; set; } = [];

    /// <summary>API base without /v1, e.g. the emulator's http://127.0.0.1:12111; empty for Stripe itself.</summary>
    public string? ApiBase { get; set; }

    /// <summary>Optional platform fee, in percent of each payment.</summary>
    public decimal? ApplicationFeePercent { get; set; }

    /// <summary>Events whose livemode differs from this are stored but not acted on.</summary>
    public bool LiveMode { get; set; }

    /// <summary>Signature tolerance: Stripe's default of five minutes.</summary>
    public long WebhookToleranceSeconds { get; set; } = 300;

    /// <summary>How many stored events one instance works on at a time (Stripe:EventWorkers). Workers, like instances,
    /// claim events with SKIP LOCKED and only the oldest unprocessed event of each ordering key, so no event is worked
    /// twice and one payment's events keep their arrival order whatever the number.</summary>
    public int EventWorkers { get; set; } = 4;

    public void Validate()
    {
        if (!SecretKey.StartsWith("sk_", StringComparison.Ordinal) && !SecretKey.StartsWith("rk_", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Stripe:SecretKey must be a Stripe secret key (sk_...).");
        }
        if (SecretKey.StartsWith("sk_live_", StringComparison.Ordinal) != LiveMode)
        {
            throw new InvalidOperationException("Stripe:LiveMode does not match the kind of Stripe:SecretKey.");
        }
        if (WebhookSecrets.Count == 0 || WebhookSecrets.Any(s => !s.StartsWith("whsec_", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("Stripe:WebhookSecrets must hold at least one whsec_ secret.");
        }
    }

    public StripeClient CreateClient() => new(new StripeClientOptions
    {
        ApiKey = SecretKey,
        ApiBase = string.IsNullOrWhiteSpace(ApiBase) ? null : ApiBase.TrimEnd('/'),
    });

    /// <summary>Where the emulator's test card form lives, when Stripe is the emulator; null against Stripe itself.</summary>
    public string? TestCardFormUrl(string paymentIntentId, string clientSecret) =>
        string.IsNullOrWhiteSpace(ApiBase) || ApiBase.Contains("stripe.com", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"{ApiBase.TrimEnd('/')}/pay/{Uri.EscapeDataString(paymentIntentId)}?client_secret={Uri.EscapeDataString(clientSecret)}";
}

/// <summary>Payments' own settings (section "Payments").</summary>
public sealed class PaymentsSettings
{
    public const string Section = "Payments";

    /// <summary>The public origin (the gateway) that Stripe's redirects and the pay page use, e.g. http://127.0.0.1:8080.</summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Where the SPA shows Stripe settings; return_url sends the owner back there.</summary>
    public string SettingsPath { get; set; } = "/settings/integrations";

    /// <summary>How long after its creation an unresolved intent is looked up at Stripe.</summary>
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromMinutes(5);

    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);
}
