namespace OraServ.StripeEmulator;

public sealed class EmulatorOptions
{
    public const string Section = "Emulator";

    /// <summary>The API version Stripe.net 53.1.0 pins; EventUtility refuses events of any other.</summary>
    public string ApiVersion { get; set; } = "2026-10-28.endive";

    /// <summary>Where events are posted; more endpoints can be added at run time through /_emulator/webhook_endpoints.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The endpoint's signing secret, whsec_...</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>First retry delay; each further retry doubles it up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per delivery before it is given up (Stripe keeps trying for three days).</summary>
    public int MaxAttempts { get; set; } = 200;

    /// <summary>Account links expire like Stripe's, after a few minutes.</summary>
    public TimeSpan AccountLinkLifetime { get; set; } = TimeSpan.FromMinutes(5);
}
