using System.Diagnostics;

namespace OraServ.LoadTests;

/// <summary>
/// Constant arrival rate, open loop: arrival i starts at start + i / rate whether or not earlier ones have finished, and
/// its latency is counted from that scheduled moment. A slow server (or a late driver) therefore shows up in the
/// percentiles instead of quietly lowering the rate (coordinated omission).
/// </summary>
public static class OpenLoop
{
    /// <summary>Runs <paramref name="count"/> arrivals; each gets its index and its scheduled Stopwatch timestamp.</summary>
    public static async Task RunAsync(double rate, int count, Func<int, long, Task> arrival, params StepStats[] steps)
    {
        var start = Stopwatch.GetTimestamp();
        foreach (var step in steps)
        {
            step.Started = start;
        }
        var running = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = start + (long)(i * (Stopwatch.Frequency / rate));
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var index = i;
            running.Add(Task.Run(() => arrival(index, due)));
        }
        await Task.WhenAll(running);
    }

    /// <summary>Closed loop with a fixed number of workers, for setup phases whose speed is not measured.</summary>
    public static Task ForEachAsync(int count, int workers, Func<int, Task> body) =>
        Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, async (i, _) => await body(i));

    public static double MillisecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds;
}
