using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OraServ.LoadTests;

/// <summary>Latencies and outcomes of one step (one kind of request, or one stage of a path).</summary>
public sealed class StepStats(string name)
{
    private readonly ConcurrentQueue<double> _latencies = new();
    private readonly ConcurrentQueue<(double Second, double Milliseconds)> _timeline = new();
    private readonly ConcurrentDictionary<string, int> _failures = new();
    private readonly ConcurrentDictionary<string, string> _examples = new();

    public string Name { get; } = name;

    private long _lastSuccess;

    /// <summary>When the step's arrivals began (Stopwatch timestamp): the achieved throughput counts from here to the last success.</summary>
    public long Started
    {
        get;
        set
        {
            field = value;
            StartedAt = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(value);
        }
    }

    /// <summary>The same moment by the clock, to find a slow second in the servers' logs.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    public int Succeeded => _latencies.Count;

    public int Failed => _failures.Values.Sum();

    private readonly ConcurrentDictionary<string, int> _retries = new();

    /// <summary>Requests sent again after a 5xx or no answer (fault runs only: a dispatcher clicks again, a customer reloads).</summary>
    public int Retried => _retries.Values.Sum();

    /// <summary>What the tries that were repeated met: "503 x4, ConnectionError x2".</summary>
    public string Retries => string.Join(", ", _retries.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key} x{r.Value}"));

    public void Retry(string outcome) => _retries.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    /// <summary>A success whose arrival was scheduled at <paramref name="due"/> (Stopwatch timestamp), for the timeline.</summary>
    public void Success(double milliseconds, long due)
    {
        if (Started > 0)
        {
            _timeline.Enqueue((Stopwatch.GetElapsedTime(Started, due).TotalSeconds, milliseconds));
        }
        Success(milliseconds);
    }

    public void Success(double milliseconds)
    {
        _latencies.Enqueue(milliseconds);
        var now = Stopwatch.GetTimestamp();
        for (var last = Volatile.Read(ref _lastSuccess); now > last; last = Volatile.Read(ref _lastSuccess))
        {
            if (Interlocked.CompareExchange(ref _lastSuccess, now, last) == last)
            {
                break;
            }
        }
    }

    /// <summary>A failure by what went wrong: the HTTP status, "timeout", or the exception's type.</summary>
    public void Failure(string outcome, string? example = null)
    {
        _failures.AddOrUpdate(outcome, 1, (_, n) => n + 1);
        if (example is { Length: > 0 })
        {
            _examples.TryAdd(outcome, example.Length > 400 ? example[..400] : example);
        }
    }

    /// <summary>The first answer seen for each kind of failure, to tell what went wrong.</summary>
    public IEnumerable<string> FailureExamples => _examples.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{Name}, first {e.Key}: {e.Value}");

    public string Failures => _failures.IsEmpty
        ? "none"
        : string.Join(", ", _failures.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} x{f.Value}"));

    public double Percentile(double p)
    {
        var sorted = _latencies.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    public double Max => _latencies.IsEmpty ? double.NaN : _latencies.Max();

    public double Throughput => Started > 0 && _lastSuccess > Started ? Succeeded / Stopwatch.GetElapsedTime(Started, _lastSuccess).TotalSeconds : double.NaN;

    public static string Table(IEnumerable<StepStats> steps)
    {
        var text = new StringBuilder();
        text.AppendLine("| step | ok | failed | achieved /s | p50 ms | p95 ms | p99 ms | max ms | failures |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in steps)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {s.Succeeded} | {s.Failed} | {F(s.Throughput)} | {F(s.Percentile(50))} | {F(s.Percentile(95))} | {F(s.Percentile(99))} | {F(s.Max)} | {s.Failures} |");
        }
        return text.ToString();
    }

    /// <summary>
    /// The measured steps' latencies by the second their arrivals were scheduled in: p50, p99 and max per second, so a
    /// slow start (connections opened, code compiled) can be told from a queue that grows while the rate lasts.
    /// </summary>
    public static string Timeline(IEnumerable<StepStats> steps)
    {
        var text = new StringBuilder();
        foreach (var s in steps.Where(s => !s._timeline.IsEmpty))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{s.Name}, by second of arrival from {s.StartedAt:HH:mm:ss} UTC (p50 / p99 / max ms):");
            foreach (var second in s._timeline.GroupBy(t => (int)Math.Floor(t.Second)).OrderBy(g => g.Key))
            {
                var sorted = second.Select(t => t.Milliseconds).Order().ToArray();
                double P(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
                text.AppendLine(CultureInfo.InvariantCulture, $"  {second.Key,3} s: {sorted.Length,5} ok  {F(P(50)),6} / {F(P(99)),6} / {F(sorted[^1]),6}");
            }
        }
        return text.ToString();
    }

    private static string F(double value) => double.IsNaN(value) ? "-" : value.ToString(value >= 100 ? "F0" : "F1", CultureInfo.InvariantCulture);
}
