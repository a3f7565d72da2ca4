using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Notifications.Delivery;

namespace OraServ.Notifications.Tests;

/// <summary>Clients' SMS replies through Twilio's signed inbound webhook: STOP and START, on real PostgreSQL and RabbitMQ.</summary>
[Collection(NotificationsCollection.Name)]
public sealed class SmsReplyTests(NotificationsHost host)
{
    private const string OurNumber = "+15005550006";
    private readonly string _phone = $"+1555{Random.Shared.Next(1_000_000, 9_999_999)}";

    [Fact]
    public async Task A_signed_STOP_suppresses_later_sms_to_the_number_for_every_business_and_emails_still_go()
    {
        var (first, second) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        var invoiceId = Guid.CreateVersion7();

        var reply = await ReplyAsync(" Stop ");

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("text/xml", reply.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<Response></Response>", await reply.Content.ReadAsStringAsync());

        var email = NotificationsHost.NewAddress();
        await host.PublishAsync(new SendSms { TenantId = first, InvoiceId = invoiceId, To = _phone, Body = "INV-000042 is 5 days overdue" });
        await host.PublishAsync(new SendEmail { TenantId = first, InvoiceId = invoiceId, To = email, Subject = "INV-000042 is overdue", Body = "Hi Dana" });
        await host.PublishAsync(new SendSms { TenantId = second, To = _phone, Body = "Your appointment is tomorrow" });

        var log = await host.WaitForLogAsync(first, invoiceId, m => m.Count == 2 && m.All(x => x.Status != "queued"));
        var sms = Assert.Single(log, m => m.Channel == "sms");
        Assert.Equal(("failed", _phone, "INV-000042 is 5 days overdue"), (sms.Status, sms.To, sms.Body));
        Assert.StartsWith($"Suppressed: {_phone} opted out of SMS by replying STOP on ", sms.FailureReason);
        Assert.Null(sms.SentAt);
        Assert.Equal("sent", Assert.Single(log, m => m.Channel == "email").Status);
        Assert.Single(await host.Smtp.WaitForAsync(email));
        Assert.Equal("failed", Assert.Single(await host.WaitForLogAsync(second, null, m => m.Count == 1 && m[0].Status != "queued")).Status);
        Assert.Equal(_phone, (await host.OutboxAsync<SmsFailed>(first)).Select(m => (SmsFailed)m.ToEvent()).Single().To);
        Assert.Empty(await host.OutboxAsync<SmsSent>(first));
    }

    [Fact]
    public async Task START_after_STOP_lets_sms_through_again()
    {
        var tenant = Guid.CreateVersion7();
        Assert.Equal(HttpStatusCode.OK, (await ReplyAsync("STOP")).StatusCode);
        Assert.Equal("failed", (await SendSmsAsync(tenant)).Status);

        Assert.Equal(HttpStatusCode.OK, (await ReplyAsync("start")).StatusCode);

        var sent = await SendSmsAsync(tenant);
        Assert.Equal("sent", sent.Status);
        Assert.Null(sent.FailureReason);
        Assert.Equal(OptIn("START"), await ConsentAsync());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("wrong token")]
    [InlineData("internal url")]
    [InlineData("tampered body")]
    public async Task A_reply_without_a_valid_signature_is_refused_and_stores_nothing(string how)
    {
        var fields = Fields("STOP", NewSid());
        var signature = how switch
        {
            "missing" => null,
            "wrong token" => Sign(NotificationsHost.TwilioWebhookUrl, fields, "not-the-auth-token"),
            // Signed for the address this host listens on: Twilio signs the public one, so this is not Twilio's.
            "internal url" => Sign($"{host.BaseUrl}{TwilioInbound.Path}", fields, NotificationsHost.TwilioAuthToken),
            _ => Sign(NotificationsHost.TwilioWebhookUrl, Fields("Thanks, paid!", fields["MessageSid"]), NotificationsHost.TwilioAuthToken),
        };

        var reply = await PostAsync(fields, signature);

        Assert.Equal(HttpStatusCode.Forbidden, reply.StatusCode);
        Assert.Equal("application/problem+json", reply.Content.Headers.ContentType?.MediaType);
        var problem = await reply.Content.ReadFromJsonAsync<ProblemDetails>();
        Assert.Equal("Invalid Twilio signature", problem!.Title);
        Assert.Empty(await RepliesAsync());
        Assert.Null(await ConsentAsync());
        Assert.Equal("sent", (await SendSmsAsync(Guid.CreateVersion7())).Status);
    }

    [Fact]
    public async Task A_normal_reply_is_recorded_and_does_not_opt_out()
    {
        var reply = await ReplyAsync("Please stop by on Monday, I will pay then");

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var recorded = Assert.Single(await RepliesAsync());
        Assert.Equal((SmsReplyAction.None, "Please stop by on Monday, I will pay then", OurNumber), (recorded.Action, recorded.Body, recorded.To));
        Assert.Null(await ConsentAsync());
        Assert.Equal("sent", (await SendSmsAsync(Guid.CreateVersion7())).Status);
    }

    [Fact]
    public async Task The_same_webhook_delivered_again_changes_the_consent_once()
    {
        var stop = Fields("STOP", NewSid());
        var signature = Sign(NotificationsHost.TwilioWebhookUrl, stop, NotificationsHost.TwilioAuthToken);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PostAsync(stop, signature)));
        Assert.All(concurrent, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var stopped = await ConsentAsync();
        Assert.Equal(OptOut("STOP"), stopped);

        Assert.Equal(HttpStatusCode.OK, (await ReplyAsync("UNSTOP")).StatusCode);
        // Twilio retrying the old STOP after the client opted back in: it is the same reply, already applied.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(stop, signature)).StatusCode);

        Assert.Equal(OptIn("UNSTOP"), await ConsentAsync());
        Assert.Equal(2, (await RepliesAsync()).Count);
        Assert.Equal("sent", (await SendSmsAsync(Guid.CreateVersion7())).Status);
    }

    [Fact]
    public async Task A_signed_reply_without_the_sender_names_the_field()
    {
        var fields = Fields("STOP", NewSid());
        fields.Remove("From");

        var reply = await PostAsync(fields, Sign(NotificationsHost.TwilioWebhookUrl, fields, NotificationsHost.TwilioAuthToken));

        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        var problem = await reply.Content.ReadFromJsonAsync<ValidationProblemDetails>();
        Assert.Contains("From", problem!.Errors.Keys);
        Assert.Empty(await host.InTenantAsync(Guid.Empty, db => db.SmsReplies.Where(r => r.MessageSid == fields["MessageSid"]).ToListAsync()));
    }

    [Theory]
    [InlineData("STOP", SmsReplyAction.OptOut)]
    [InlineData("stopall", SmsReplyAction.OptOut)]
    [InlineData(" Unsubscribe\n", SmsReplyAction.OptOut)]
    [InlineData("cancel", SmsReplyAction.OptOut)]
    [InlineData("End", SmsReplyAction.OptOut)]
    [InlineData("QUIT", SmsReplyAction.OptOut)]
    [InlineData("start", SmsReplyAction.OptIn)]
    [InlineData("UNSTOP", SmsReplyAction.OptIn)]
    [InlineData("Yes ", SmsReplyAction.OptIn)]
    [InlineData("HELP", SmsReplyAction.None)]
    [InlineData("stop it", SmsReplyAction.None)]
    [InlineData("", SmsReplyAction.None)]
    public void Twilio_standard_keywords_are_the_whole_reply_in_any_case(string body, SmsReplyAction expected) =>
        Assert.Equal(expected, SmsKeywords.Parse(body, null).Action);

    [Fact]
    public void Twilio_advanced_opt_out_type_counts_for_a_custom_keyword() =>
        Assert.Equal((SmsReplyAction.OptOut, "ARRETE"), SmsKeywords.Parse("arrete", "STOP"));

    private static string NewSid() => $"SM{Guid.NewGuid():N}";

    /// <summary>The fields Twilio posts for an incoming SMS.</summary>
    private Dictionary<string, string> Fields(string body, string sid) => new()
    {
        ["ToCountry"] = "US",
        ["SmsMessageSid"] = sid,
        ["NumMedia"] = "0",
        ["SmsSid"] = sid,
        ["SmsStatus"] = "received",
        ["Body"] = body,
        ["FromCountry"] = "US",
        ["To"] = OurNumber,
        ["NumSegments"] = "1",
        ["MessageSid"] = sid,
        ["AccountSid"] = "AC00000000000000000000000000000000",
        ["From"] = _phone,
        ["ApiVersion"] = "2010-04-01",
    };

    /// <summary>Twilio's documented scheme: HMAC-SHA1, keyed by the auth token, of the URL followed by each field's name and value in name order, base64.</summary>
    private static string Sign(string url, IReadOnlyDictionary<string, string> fields, string authToken)
    {
        var data = new StringBuilder(url);
        foreach (var (name, value) in fields.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }
#pragma warning disable CA5350 // Twilio's signature is HMAC-SHA1: the test signs as Twilio does.
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
    }

    private Task<HttpResponseMessage> ReplyAsync(string body)
    {
        var fields = Fields(body, NewSid());
        return PostAsync(fields, Sign(NotificationsHost.TwilioWebhookUrl, fields, NotificationsHost.TwilioAuthToken));
    }

    private async Task<HttpResponseMessage> PostAsync(IReadOnlyDictionary<string, string> fields, string? signature)
    {
        using var client = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Post, TwilioInbound.Path) { Content = new FormUrlEncodedContent(fields) };
        if (signature is not null)
        {
            request.Headers.Add(TwilioInbound.SignatureHeader, signature);
        }
        return await client.SendAsync(request);
    }

    /// <summary>Sends one SMS to the number, as an automation rule would, and returns its settled delivery-log row.</summary>
    private async Task<NotificationsHost.MessageDto> SendSmsAsync(Guid tenant)
    {
        var invoiceId = Guid.CreateVersion7();
        await host.PublishAsync(new SendSms { TenantId = tenant, InvoiceId = invoiceId, To = _phone, Body = "INV-000042 is overdue" });
        return Assert.Single(await host.WaitForLogAsync(tenant, invoiceId, m => m.Count == 1 && m[0].Status != "queued"));
    }

    private Task<List<SmsReply>> RepliesAsync() =>
        host.InTenantAsync(Guid.Empty, db => db.SmsReplies.AsNoTracking().Where(r => r.From == _phone).ToListAsync());

    private async Task<(bool OptedOut, string Keyword)?> ConsentAsync() =>
        await host.InTenantAsync(Guid.Empty, db => db.SmsOptOuts.AsNoTracking().SingleOrDefaultAsync(o => o.Phone == _phone)) is { } row
            ? (row.OptedOut, row.Keyword)
            : null;

    private static (bool, string)? OptOut(string keyword) => (true, keyword);

    private static (bool, string)? OptIn(string keyword) => (false, keyword);
}
