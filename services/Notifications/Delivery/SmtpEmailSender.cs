using System.Collections.Concurrent;
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
    /// <summary>Connections kept open to the server at most, which is also how many emails go out at once.</summary>
    public int MaxConnections { get; set; } = 4;
    /// <summary>An open connection unused for this long is closed rather than reused (servers drop idle ones).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public interface IEmailSender
{
    /// <summary>Sends the message; returns its Message-Id. Throws <see cref="PermanentDeliveryException"/> or <see cref="TransientDeliveryException"/>.</summary>
    Task<string> SendAsync(MimeMessage message, CancellationToken ct);
}

/// <summary>
/// MailKit over SMTP; failures sorted into transient (retry) and permanent (give up). Connections are kept open and reused
/// (at most <see cref="SmtpOptions.MaxConnections"/>, an idle one closed after <see cref="SmtpOptions.IdleTimeout"/>): a
/// new connection per email costs a TCP and TLS handshake, a greeting, EHLO and AUTH each time, and a mail server (the
/// local run's catcher included) a whole session. A kept connection the server has closed meanwhile fails before
/// anything is sent, so that one send is tried once more on a new connection.
/// </summary>
public sealed class SmtpEmailSender(IOptions<SmtpOptions> options, TimeProvider time) : IEmailSender, IAsyncDisposable
{
    private readonly ConcurrentStack<(SmtpClient Client, DateTimeOffset IdleSince)> _idle = new();
    private readonly SemaphoreSlim _connections = new(Math.Max(1, options.Value.MaxConnections));

    public async Task<string> SendAsync(MimeMessage message, CancellationToken ct)
    {
        await _connections.WaitAsync(ct);
        try
        {
            var (client, reused) = TakeIdle();
            try
            {
                try
                {
                    await SendOnAsync(client, message, ct);
                }
                catch (Exception ex) when (reused && IsConnectionLost(ex, ct))
                {
                    client.Dispose();
                    client = new SmtpClient { Timeout = (int)options.Value.Timeout.TotalMilliseconds };
                    await SendOnAsync(client, message, ct);
                }
                _idle.Push((client, time.GetUtcNow()));
                return message.MessageId ?? "";
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            throw new PermanentDeliveryException($"The mail server refused the message: {(int)ex.StatusCode} {ex.Message}", ex);
        }
        catch (SmtpCommandException ex)
        {
            throw new TransientDeliveryException($"The mail server deferred the message: {(int)ex.StatusCode} {ex.Message}", ex);
        }
        catch (Exception ex) when (IsConnectionLost(ex, ct) || ex is AuthenticationException or SslHandshakeException)
        {
            throw new TransientDeliveryException($"The mail server is not reachable: {ex.Message}", ex);
        }
        finally
        {
            _connections.Release();
        }
    }

    /// <summary>The most recently used open connection, or a new client when none is open; idle ones past their time are closed.</summary>
    private (SmtpClient Client, bool Reused) TakeIdle()
    {
        var settings = options.Value;
        while (_idle.TryPop(out var idle))
        {
            if (idle.Client.IsConnected && time.GetUtcNow() - idle.IdleSince < settings.IdleTimeout)
            {
                return (idle.Client, true);
            }
            Close(idle.Client);
        }
        return (new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds }, false);
    }

    private async Task SendOnAsync(SmtpClient client, MimeMessage message, CancellationToken ct)
    {
        var settings = options.Value;
        if (!client.IsConnected)
        {
            await client.ConnectAsync(settings.Host, settings.Port, settings.UseTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
            if (!string.IsNullOrEmpty(settings.User))
            {
                await client.AuthenticateAsync(settings.User, settings.Password ?? "", ct);
            }
        }
        await client.SendAsync(message, ct);
    }

    private static bool IsConnectionLost(Exception ex, CancellationToken ct) =>
        ex is SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException
        || (ex is OperationCanceledException && !ct.IsCancellationRequested);

    private static void Close(SmtpClient client)
    {
        // Closing without QUIT: a server that already dropped an idle connection would make QUIT wait for its timeout.
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryPop(out var idle))
        {
            try
            {
                await idle.Client.DisconnectAsync(quit: true);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ServiceNotConnectedException or SmtpProtocolException or TimeoutException)
            {
            }
            idle.Client.Dispose();
        }
        _connections.Dispose();
    }
}
