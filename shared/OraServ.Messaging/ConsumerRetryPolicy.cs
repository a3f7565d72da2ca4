using MassTransit;

namespace OraServ.Messaging;

/// <summary>
/// Every consumer's retries: a few quick tries for any failure (<see cref="MessagingExtensions.RetryIntervals"/>), and
/// minutes of tries while the database or a service the consumer calls cannot be reached
/// (<see cref="MessagingExtensions.UnreachableRetryIntervals"/>). Each failure counts against its own schedule, so a
/// restart of PostgreSQL does not use up the quick tries and park the message in the _error queue, and a bug still
/// ends there after the quick tries. (Two UseMessageRetry filters do not nest: the inner one's last failure went
/// straight to the _error queue.)
/// </summary>
internal sealed class ConsumerRetryPolicy : IRetryPolicy
{
    private readonly IRetryPolicy _quick = Retry.Intervals(MessagingExtensions.RetryIntervals);
    private readonly IRetryPolicy _unreachable = Retry.Intervals(MessagingExtensions.UnreachableRetryIntervals);

    public void Probe(ProbeContext context)
    {
        _quick.Probe(context.CreateScope("quick"));
        _unreachable.Probe(context.CreateScope("unreachable"));
    }

    public bool IsHandled(Exception exception) => true;

    public RetryPolicyContext<T> CreatePolicyContext<T>(T context) where T : class, PipeContext =>
        new PolicyContext<T>(new Schedules<T>(_quick.CreatePolicyContext(context), _unreachable.CreatePolicyContext(context)));

    /// <summary>Where each schedule has got to: its policy context, then the retry context of its latest try.</summary>
    private sealed class Schedules<T>(RetryPolicyContext<T> quick, RetryPolicyContext<T> unreachable) where T : class, PipeContext
    {
        private RetryContext<T>? _quickTry;
        private RetryContext<T>? _unreachableTry;

        public RetryPolicyContext<T> Quick => quick;
        public RetryPolicyContext<T> Unreachable => unreachable;

        public bool Next(Exception exception, out RetryContext<T> retryContext)
        {
            var unreachableFailure = MessagingExtensions.IsUnreachable(exception);
            var can = unreachableFailure
                ? (_unreachableTry is { } u ? u.CanRetry(exception, out var next) : unreachable.CanRetry(exception, out next))
                : (_quickTry is { } q ? q.CanRetry(exception, out next) : quick.CanRetry(exception, out next));
            if (unreachableFailure)
            {
                _unreachableTry = next;
            }
            else
            {
                _quickTry = next;
            }
            retryContext = next is null ? next! : new Try<T>(next, this);
            return can;
        }
    }

    private sealed class PolicyContext<T>(Schedules<T> schedules) : RetryPolicyContext<T> where T : class, PipeContext
    {
        public T Context => schedules.Quick.Context;

        public bool CanRetry(Exception exception, out RetryContext<T> retryContext) => schedules.Next(exception, out retryContext);

        public Task RetryFaulted(Exception exception) =>
            (MessagingExtensions.IsUnreachable(exception) ? schedules.Unreachable : schedules.Quick).RetryFaulted(exception);

        public void Cancel()
        {
            schedules.Quick.Cancel();
            schedules.Unreachable.Cancel();
        }

        public void Dispose()
        {
            schedules.Quick.Dispose();
            schedules.Unreachable.Dispose();
        }
    }

    /// <summary>One try of either schedule; the next failure is routed to its own schedule again.</summary>
    private sealed class Try<T>(RetryContext<T> current, Schedules<T> schedules) : RetryContext<T> where T : class, PipeContext
    {
        public T Context => current.Context;
        public CancellationToken CancellationToken => current.CancellationToken;
        public Exception Exception => current.Exception;
        public Type ContextType => current.ContextType;
        public int RetryCount => current.RetryCount;
        public int RetryAttempt => current.RetryAttempt;
        public TimeSpan? Delay => current.Delay;

        public Task PreRetry() => current.PreRetry();

        public Task RetryFaulted(Exception exception) => current.RetryFaulted(exception);

        public bool CanRetry(Exception exception, out RetryContext<T> retryContext) => schedules.Next(exception, out retryContext);
    }
}
