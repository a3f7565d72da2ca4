using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace OraServ.Notifications.Delivery;

/// <summary>SMTP settings (section "Smtp"); the defaults are the local run's SMTP catcher.</summary>
public sealed class SmtpOptions
{
    public const string Section = "Smtp";
    public string Host { get; set; } = "127.0.0.1";
    public int Port { get; set; } = 2525;
    /// <summary>STARTTLS when true.</summary>
    public bool UseTls { get; set; }
    public string? User { get; set; }
    public string? Password { get; set; }
    /// <summary>The sender address; each email shows the business name as the display name.</summary>
    public string From { get; set; } = "OraServ <billing@oraserv.local>";
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

public interface IEmailSender
{
    /// <summary>Sends the message; returns its Message-Id. Throws <see cref="PermanentDeliveryException"/> or <see cref="TransientDeliveryException"/>.</summary>
    Task<string> SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>MailKit over SMTP, one connection per message; failures sorted into transient (retry) and permanent (give up).</summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options) : IEmailSender
{
    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct)
    {
        var settings = options.Value;
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(settings.Host, settings.Port, settings.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
            if (!string.IsNullOrEmpty(settings.User))
            {
                await client.AuthenticateAsync(settings.User, settings.Password ?? "", ct);
            }
            await client.SendAsync(message, ct);
            await client.DisconnectAsync(quit: true, ct);
            return message.MessageId ?? "";
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            throw new PermanentDeliveryException($"The mail server refused the message: {(int)ex.StatusCode} {ex.Message}", ex);
        }
        catch (SmtpCommandException ex)
        {
            throw new TransientDeliveryException($"The mail server deferred the message: {(int)ex.StatusCode} {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is SocketException or IOException or TimeoutException or SmtpProtocolException
            or ServiceNotConnectedException or AuthenticationException or SslHandshakeException
            || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new TransientDeliveryException($"The mail server is not reachable: {ex.Message}", ex);
        }
    }
}
