using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OraServ.ServiceDefaults;
using Twilio.Security;

namespace OraServ.Notifications.Delivery;

/// <summary>Twilio's standard keywords: a reply that is exactly one of them (trimmed, any case) opts the number out or back in.</summary>
public static class SmsKeywords
{
    public static readonly IReadOnlyList<string> OptOut = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];
    public static readonly IReadOnlyList<string> OptIn = ["START", "UNSTOP", "YES"];

    /// <summary>
    /// What a reply asks for. <paramref name="optOutType"/> is the OptOutType parameter Twilio adds when Advanced Opt-Out
    /// is on (STOP, START, HELP), which also covers keywords a business added in the Twilio console.
    /// </summary>
    public static (SmsReplyAction Action, string Keyword) Parse(string? body, string? optOutType)
    {
        var word = (body ?? "").Trim().ToUpperInvariant();
        var type = (optOutType ?? "").Trim().ToUpperInvariant();
        if (OptOut.Contains(word) || type == "STOP")
        {
            return (SmsReplyAction.OptOut, Keyword(word, "STOP"));
        }
        if (OptIn.Contains(word) || type == "START")
        {
            return (SmsReplyAction.OptIn, Keyword(word, "START"));
        }
        return (SmsReplyAction.None, "");
    }

    private static string Keyword(string word, string fallback) => word.Length is > 0 and <= 20 ? word : fallback;

    /// <summary>What the delivery log says of an SMS not sent to an opted-out number.</summary>
    public static string SuppressedReason(SmsOptOut optOut) =>
        $"Suppressed: {optOut.Phone} opted out of SMS by replying {optOut.Keyword} on {optOut.ChangedAt:yyyy-MM-dd}; " +
        "no SMS goes to this number until it replies START.";
}

/// <summary>
/// Twilio's inbound-message webhook: the X-Twilio-Signature is checked with Twilio's RequestValidator against the
/// public URL Twilio posted to (behind the gateway this service sees another one) and the account's auth token, and
/// nothing is stored unless it matches. Each reply is stored once by its MessageSid, and an opt-out or opt-in keyword
/// changes the number's consent in the same transaction, so a retried webhook changes nothing.
/// </summary>
public sealed class TwilioInbound(NotificationsDbContext db, IOptions<TwilioOptions> options, TimeProvider time, ILogger<TwilioInbound> logger)
{
    public const string Path = "/webhooks/twilio/sms";
    public const string SignatureHeader = "X-Twilio-Signature";
    private const int MaxBodyBytes = 64 * 1024;

    public enum Outcome { Recorded, Duplicate, Rejected, Invalid }

    public sealed record Result(Outcome Outcome, IDictionary<string, string[]>? Errors = null);

    public async Task<Result> ReceiveAsync(HttpRequest request, CancellationToken ct)
    {
        var signature = request.Headers[SignatureHeader].ToString();
        var token = options.Value.AuthToken;
        if (signature.Length == 0 || string.IsNullOrEmpty(token) || request.ContentLength > MaxBodyBytes)
        {
            logger.LogWarning("Twilio webhook refused: {Reason}",
                signature.Length == 0 ? "no X-Twilio-Signature header" : string.IsNullOrEmpty(token) ? "Twilio:AuthToken is not set" : "body too large");
            return new Result(Outcome.Rejected);
        }
        // What is verified is what is used: a repeated field is one comma-joined value in both.
        var fields = request.HasFormContentType
            ? (await request.ReadFormAsync(ct)).ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal)
            : [];
        if (RequestValidator.GetSignatureAlgorithm(request.Headers[RequestValidator.SignatureSettingsHeader].ToString()) != RequestValidator.HmacSha1)
        {
            logger.LogWarning("Twilio webhook refused: signed with a SharedKey; OraServ checks the auth token's signature");
            return new Result(Outcome.Rejected);
        }
        var url = SignedUrl(request);
        if (!new RequestValidator(token).Validate(url, fields, signature))
        {
            logger.LogWarning("Twilio webhook refused: the signature does not match {Url} and the auth token", url);
            return new Result(Outcome.Rejected);
        }

        var sid = fields.GetValueOrDefault("MessageSid");
        var from = fields.GetValueOrDefault("From")?.Trim();
        var errors = new ValidationErrors();
        errors.Line("MessageSid", sid, 64);
        errors.Line("From", from, 32);
        errors.Phone("From", from);
        if (errors.Any)
        {
            return new Result(Outcome.Invalid, errors.ToDictionary());
        }
        var to = fields.GetValueOrDefault("To")?.Trim() ?? "";
        var body = fields.GetValueOrDefault("Body") ?? "";
        var (action, keyword) = SmsKeywords.Parse(body, fields.GetValueOrDefault("OptOutType"));
        var stored = await StoreAsync(sid!, from!, to.Length > 32 ? to[..32] : to, body.Length > 1600 ? body[..1600] : body, action, keyword, ct);
        if (stored && action != SmsReplyAction.None)
        {
            logger.LogInformation("SMS {Action} for {Phone} by {Keyword} ({MessageSid})", action, from, keyword, sid);
        }
        return new Result(stored ? Outcome.Recorded : Outcome.Duplicate);
    }

    /// <summary>The URL Twilio signed: Twilio:WebhookUrl (the public address set on the number), else this request's own.</summary>
    private string SignedUrl(HttpRequest request)
    {
        var configured = options.Value.WebhookUrl;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return request.GetEncodedUrl();
        }
        return request.QueryString.HasValue && !configured.Contains('?', StringComparison.Ordinal) ? configured + request.QueryString : configured;
    }

    private Task<bool> StoreAsync(string sid, string from, string to, string body, SmsReplyAction action, string keyword, CancellationToken ct) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            var now = time.GetUtcNow();
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var inserted = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO sms_replies (message_sid, from_number, to_number, body, action, received_at)
                VALUES ({sid}, {from}, {to}, {body}, {action.ToString()}, {now})
                ON CONFLICT (message_sid) DO NOTHING
                """, ct);
            if (inserted == 0)
            {
                return false;
            }
            if (action != SmsReplyAction.None)
            {
                await db.Database.ExecuteSqlInterpolatedAsync($"""
                    INSERT INTO sms_opt_outs (phone, opted_out, keyword, message_sid, changed_at)
                    VALUES ({from}, {action == SmsReplyAction.OptOut}, {keyword}, {sid}, {now})
                    ON CONFLICT (phone) DO UPDATE SET opted_out = EXCLUDED.opted_out, keyword = EXCLUDED.keyword,
                        message_sid = EXCLUDED.message_sid, changed_at = EXCLUDED.changed_at
                    """, ct);
            }
            await tx.CommitAsync(ct);
            return true;
        });
}
