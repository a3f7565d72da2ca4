using Microsoft.Extensions.Options;
using MimeKit;
using OraServ.Notifications.Delivery;

namespace OraServ.Notifications.Tests;

/// <summary>The SMTP sender against a real SMTP server on loopback.</summary>
public sealed class SmtpEmailSenderTests : IAsyncLifetime
{
    private readonly TestSmtpServer _smtp = new();

    public Task InitializeAsync()
    {
        _smtp.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _smtp.DisposeAsync();

    private SmtpEmailSender Sender(int maxConnections = 4) => new(Options.Create(new SmtpOptions
    {
        Host = "127.0.0.1",
        Port = _smtp.Port,
        MaxConnections = maxConnections,
        Timeout = TimeSpan.FromSeconds(10),
    }), TimeProvider.System);

    private static MimeMessage Email(string to, int n)
    {
        var message = new MimeMessage { Subject = $"Receipt {n}", Body = new TextPart("plain") { Text = $"Thank you, payment {n}." } };
        message.From.Add(MailboxAddress.Parse("billing@oraserv.local"));
        message.To.Add(MailboxAddress.Parse(to));
        message.MessageId = $"{Guid.NewGuid():N}@oraserv.local";
        return message;
    }

    [Fact]
    public async Task Emails_sent_one_after_another_share_one_connection_to_the_server()
    {
        await using var sender = Sender();
        var to = NotificationsHost.NewAddress();

        for (var n = 1; n <= 5; n++)
        {
            await sender.SendAsync(Email(to, n), CancellationToken.None);
        }

        var received = await _smtp.WaitForAsync(to, 5);
        Assert.Equal(["Receipt 1", "Receipt 2", "Receipt 3", "Receipt 4", "Receipt 5"], received.Select(m => m.Subject));
        Assert.Equal(1, _smtp.Sessions);
    }

    [Fact]
    public async Task Emails_sent_at_once_use_no_more_connections_than_allowed()
    {
        await using var sender = Sender(maxConnections: 2);
        var to = NotificationsHost.NewAddress();

        await Task.WhenAll(Enumerable.Range(1, 12).Select(n => sender.SendAsync(Email(to, n), CancellationToken.None)));

        Assert.Equal(12, (await _smtp.WaitForAsync(to, 12)).Count);
        Assert.InRange(_smtp.Sessions, 1, 2);
    }

    [Fact]
    public async Task A_kept_connection_the_server_dropped_is_replaced_and_the_email_still_goes_out()
    {
        await using var sender = Sender();
        var to = NotificationsHost.NewAddress();
        await sender.SendAsync(Email(to, 1), CancellationToken.None);

        // A restart drops every open connection, as a server closing idle ones does.
        await _smtp.StopAsync();
        _smtp.Start();
        await sender.SendAsync(Email(to, 2), CancellationToken.None);

        var received = await _smtp.WaitForAsync(to, 2);
        Assert.Equal(["Receipt 1", "Receipt 2"], received.Select(m => m.Subject));
        Assert.Equal(2, _smtp.Sessions);
    }

    [Fact]
    public async Task With_the_server_down_a_send_fails_as_transient_so_it_is_retried()
    {
        await using var sender = Sender();
        await _smtp.StopAsync();

        await Assert.ThrowsAsync<TransientDeliveryException>(() => sender.SendAsync(Email(NotificationsHost.NewAddress(), 1), CancellationToken.None));
    }
}
