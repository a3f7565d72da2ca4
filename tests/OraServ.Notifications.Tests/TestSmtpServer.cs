using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using OraServ.Testing;

namespace OraServ.Notifications.Tests;

/// <summary>
/// A real SMTP server (the SmtpServer package) on a loopback port of its own that keeps every message it accepts.
/// It can be stopped and started again on the same port, and it answers 550 to recipients at rejected.example.
/// </summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    public const string RejectedDomain = "rejected.example";

    private SmtpServer.SmtpServer? _server;
    private CancellationTokenSource? _stop;
    private Task? _running;

    public int Port { get; } = ServerProcess.FreePort();
    public ConcurrentQueue<MimeMessage> Received { get; } = new();
    /// <summary>Every RCPT TO the server was asked, accepted or not.</summary>
    public ConcurrentQueue<string> RecipientAttempts { get; } = new();
    private int _sessions;
    /// <summary>SMTP sessions (connections) the server has accepted since it was created.</summary>
    public int Sessions => Volatile.Read(ref _sessions);
    private TaskCompletionSource _accepting = CompletedGate();

    /// <summary>From now on every message waits after its DATA, unanswered and not kept, until <see cref="Release"/>.</summary>
    public void Hold() => _accepting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers and keeps the messages held back, and every one after.</summary>
    public void Release() => _accepting.TrySetResult();

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }

    public void Start()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(e => e.Endpoint(new IPEndPoint(IPAddress.Loopback, Port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        services.Add(new Filter(this));
        _server = new SmtpServer.SmtpServer(options, services);
        _server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _stop = new CancellationTokenSource();
        _running = _server.StartAsync(_stop.Token);
    }

    public async Task StopAsync()
    {
        if (_server is null)
        {
            return;
        }
        _server.Shutdown();
        _stop!.Cancel();
        try
        {
            await _running!.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _server = null;
    }

    /// <summary>The messages to <paramref name="to"/>, once at least <paramref name="count"/> arrived (or the timeout passed).</summary>
    public async Task<List<MimeMessage>> WaitForAsync(string to, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = To(to);
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }
            await Task.Delay(50);
        }
    }

    public List<MimeMessage> To(string to) =>
        [.. Received.Where(m => m.To.Mailboxes.Any(a => string.Equals(a.Address, to, StringComparison.OrdinalIgnoreCase)))];

    public async ValueTask DisposeAsync() => await StopAsync();

    private sealed class Store(TestSmtpServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var bytes = buffer.ToArray();
            await owner._accepting.Task.WaitAsync(cancellationToken);
            using var stream = new MemoryStream(bytes);
            owner.Received.Enqueue(MimeMessage.Load(stream, cancellationToken));
            return SmtpResponse.Ok;
        }
    }

    private sealed class Filter(TestSmtpServer owner) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) => Task.FromResult(true);

        public Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            owner.RecipientAttempts.Enqueue($"{to.User}@{to.Host}");
            return Task.FromResult(!string.Equals(to.Host, RejectedDomain, StringComparison.OrdinalIgnoreCase));
        }
    }
}
