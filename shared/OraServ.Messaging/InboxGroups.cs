using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OraServ.Contracts;

namespace OraServ.Messaging;

/// <summary>A consumer that can apply several of its messages in one transaction.</summary>
internal interface IGroupedInboxConsumer
{
    Task ApplyGroupAsync(IReadOnlyList<InboxGroupItem> items, CancellationToken ct);
}

/// <summary>One message waiting in a group: true once its group committed, false when the group failed.</summary>
internal sealed record InboxGroupItem(Guid MessageId, IntegrationEvent Message)
{
    /// <summary>The trace of the message's delivery, linked from its group's span.</summary>
    public ActivityContext Trace { get; } = Activity.Current?.Context ?? default;

    public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>
/// Group commit for inbox consumers that opt in (<see cref="InboxConsumer{TMessage,TContext}.AppliesInGroups"/>): the
/// messages of one consumer that are waiting at the same moment (the endpoint works up to its prefetch count at once)
/// are applied in arrival order in one transaction, with one inbox look-up, one save and one commit, instead of one
/// transaction each. A consumer has up to <see cref="GroupsInFlight"/> groups in flight; what arrives meanwhile forms
/// the next, so a lone message is a group of one and waits for nothing.
/// A group that fails (a bad message, a conflict, a row lock held elsewhere for over a second) is rolled back and each
/// of its messages is applied on its own, in its own transaction and with the endpoint's retries, so a bad message
/// fails alone and the others are applied once. Messages delivered again or retried always go on their own.
/// </summary>
public sealed class InboxGroups(IServiceScopeFactory scopes, ILogger<InboxGroups> logger) : IAsyncDisposable
{
    /// <summary>Messages applied in one transaction at most.</summary>
    public const int MaxGroupSize = 32;

    /// <summary>
    /// Groups of one consumer in flight at once. More than one: a lone worker thread gets only its share of a busy
    /// machine's CPU, and would hold up every message of its consumer.
    /// </summary>
    public const int GroupsInFlight = 2;

    private static readonly ActivitySource Source = new("OraServ.Messaging");

    private readonly IServiceScopeFactory _scopes = scopes;
    private readonly ILogger<InboxGroups> _logger = logger;
    private readonly ConcurrentDictionary<Type, Lane> _lanes = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Applies the message in the next group of its consumer: true when committed, false when it must go on its own.</summary>
    internal Task<bool> ApplyAsync(Type consumer, Guid messageId, IntegrationEvent message, CancellationToken ct)
    {
        var item = new InboxGroupItem(messageId, message);
        _lanes.GetOrAdd(consumer, type => new Lane(this, type)).Enqueue(item);
        return item.Done.Task.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_lanes.Values.Select(lane => lane.Worker));
        _stopping.Dispose();
    }

    private sealed class Lane
    {
        private readonly InboxGroups _owner;
        private readonly Type _consumer;
        private readonly Channel<InboxGroupItem> _waiting = Channel.CreateUnbounded<InboxGroupItem>(new() { SingleReader = true });

        public Lane(InboxGroups owner, Type consumer)
        {
            (_owner, _consumer) = (owner, consumer);
            // Started without the first message's context: its trace and log scope are not every later group's parent.
            using (ExecutionContext.SuppressFlow())
            {
                Worker = Task.Run(RunAsync);
            }
        }

        public Task Worker { get; }

        public void Enqueue(InboxGroupItem item)
        {
            if (!_waiting.Writer.TryWrite(item))
            {
                item.Done.TrySetResult(false);
            }
        }

        private async Task RunAsync()
        {
            var stopping = _owner._stopping.Token;
            var slots = new SemaphoreSlim(GroupsInFlight);
            try
            {
                while (await _waiting.Reader.WaitToReadAsync(stopping))
                {
                    // A group starts when a slot is free, with everything that waits by then.
                    await slots.WaitAsync(stopping);
                    var group = new List<InboxGroupItem>(MaxGroupSize);
                    while (group.Count < MaxGroupSize && _waiting.Reader.TryRead(out var item))
                    {
                        group.Add(item);
                    }
                    if (group.Count == 0)
                    {
                        slots.Release();
                        continue;
                    }
                    _ = ApplyAndReleaseAsync(group, slots, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
            }
            finally
            {
                _waiting.Writer.TryComplete();
                while (_waiting.Reader.TryRead(out var left))
                {
                    left.Done.TrySetResult(false);
                }
                // The groups in flight end (their messages told to go on their own if they fail) before the lane does.
                for (var i = 0; i < GroupsInFlight; i++)
                {
                    await slots.WaitAsync(CancellationToken.None);
                }
            }
        }

        private async Task ApplyAndReleaseAsync(List<InboxGroupItem> group, SemaphoreSlim slots, CancellationToken ct)
        {
            var committed = false;
            try
            {
                committed = await TryApplyAsync(group, ct);
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                // Stopping: the messages go on their own, and find the host stopping too.
            }
            finally
            {
                group.ForEach(item => item.Done.TrySetResult(committed));
                slots.Release();
            }
        }

        private async Task<bool> TryApplyAsync(List<InboxGroupItem> group, CancellationToken ct)
        {
            // A span of its own, linked to the trace of each message in it.
            using var activity = Source.StartActivity($"inbox group {_consumer.Name}", ActivityKind.Internal, parentContext: default,
                tags: [new("messaging.batch.message_count", group.Count)],
                links: group.Where(i => i.Trace != default).Select(i => new ActivityLink(i.Trace)));
            try
            {
                await using var scope = _owner._scopes.CreateAsyncScope();
                var consumer = (IGroupedInboxConsumer)scope.ServiceProvider.GetRequiredService(_consumer);
                await consumer.ApplyGroupAsync(group, ct);
                return true;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                _owner._logger.LogInformation(ex, "A group of {Count} {Consumer} messages failed; each is applied on its own", group.Count, _consumer.Name);
                return false;
            }
        }
    }
}
