using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OraServ.LoadTests.Faults;

namespace OraServ.LoadTests.Scenarios;

/// <summary>
/// Issue #9's fault runs: N money paths at a rate, one fault injected when half of the cards have been confirmed, then
/// the system left to settle and checked from the outside and from the databases (<see cref="FaultChecks"/>). The
/// driver behaves like people do while something is down: a 5xx or no answer is tried again every second.
/// </summary>
public static class FaultScenario
{
    public const string Kinds = "rabbitmq-stop, postgres-restart, invoicing-kill, redeliver";

    public static async Task<ScenarioResult> RunAsync(OraServApi api, Tenant tenant, DashboardWatch dashboard)
    {
        var options = api.Options;
        var fault = options.Fault ?? throw new ArgumentException($"faults needs --fault ({Kinds}).");
        var rate = options.Rate ?? 5;
        var count = options.Count ?? 200;
        var root = options.CheckoutRoot();
        var clock = Stopwatch.StartNew();
        var result = new ScenarioResult($"faults: {fault}, {count} money paths started at {rate}/s", root);
        void Log(string line)
        {
            var stamped = string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:F1} s: {line}");
            result.Notes.Add(stamped);
            Console.Error.WriteLine(stamped);
        }
        var run = new LocalRun(root, Log);
        if (fault == "invoicing-kill" && ServiceProcesses.Find(root, "invoicing").Count < 2)
        {
            throw new ArgumentException("invoicing-kill needs two Invoicing instances (deploy/local/run.sh --OraServ:Replicas:invoicing=2, as faults.sh starts it): "
                + "the app host does not start a killed service again and its proxy does not route to one started outside it.");
        }
        var checks = new FaultChecks(api, tenant, run);
        var errorQueuesBefore = await checks.ErrorQueuesAsync();

        var half = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var paths = new MoneyPaths(result, api, tenant, dashboard, options.Patience)
        {
            Confirmed = n => { if (n >= (count + 1) / 2) { half.TrySetResult(); } },
        };
        result.MeasuringStarts();
        var load = OpenLoop.RunAsync(rate, count, paths.RunOneAsync, [.. result.Steps]);
        var redelivered = new HashSet<string>();
        var injection = Task.Run(async () =>
        {
            await Task.WhenAny(half.Task, load);
            Log($"fault {fault} at {paths.Paid.Count} of {count} cards confirmed");
            switch (fault)
            {
                case "rabbitmq-stop":
                    await run.StopRabbitMqAsync();
                    await Task.Delay(options.FaultDuration ?? TimeSpan.FromSeconds(30));
                    await run.StartRabbitMqAsync();
                    break;
                case "postgres-restart":
                    await run.RestartPostgresAsync("fast");
                    break;
                case "invoicing-kill":
                    var launch = await run.KillServiceAsync("invoicing");
                    await Task.Delay(options.FaultDuration ?? TimeSpan.FromSeconds(5));
                    await run.StartServiceAsync("invoicing", launch);
                    break;
                case "redeliver":
                    await RedeliverAsync(api, tenant, redelivered, Log);
                    break;
                default:
                    throw new ArgumentException($"Unknown fault {fault}: {Kinds}.");
            }
            Log($"fault {fault} over");
        });
        await Task.WhenAll(load, injection);
        if (fault == "redeliver")
        {
            // The events of the paths that paid after the first redelivery get theirs now: every event 1 + 3 times.
            await RedeliverAsync(api, tenant, redelivered, Log);
        }
        Log($"all {count} paths ended; waiting for outboxes and the Stripe event log to empty (at most {options.Settle.TotalSeconds} s)");
        var settled = await checks.SettleAsync(options.Settle);
        Log(string.Create(CultureInfo.InvariantCulture, $"settled after {settled.TotalSeconds:F0} s"));

        var results = await checks.RunAsync(paths.Paid, [.. paths.Invoices], errorQueuesBefore, redelivered);
        var completed = paths.Whole.Succeeded;
        results.Insert(0, new FaultChecks.Check("money paths that reached PAID (driver tries again on 5xx / no answer, for 120 s)", $"{count}",
            $"{completed}{(completed < count ? $" ({paths.Whole.Failures})" : "")}", completed == count));
        result.Checks.AddRange(results);
        result.Notes.Add("requests tried again after a 5xx or no answer: " + string.Join(", ", result.Steps.Where(s => s.Retried > 0).Select(s => $"{s.Name} x{s.Retried} ({s.Retries})").DefaultIfEmpty("none")));
        return result;
    }

    /// <summary>Every event of the business not redelivered yet, 3 more times each, shuffled (POST /_emulator/redeliver).</summary>
    private static async Task RedeliverAsync(OraServApi api, Tenant tenant, HashSet<string> done, Action<string> log)
    {
        var events = await api.Emulator.GetFromJsonAsync<JsonElement[]>("/_emulator/events") ?? [];
        var ids = events.Where(e => e.TryGetProperty("account", out var a) && a.GetString() == tenant.StripeAccountId)
            .Select(e => e.GetProperty("id").GetString()!).Where(id => !done.Contains(id)).ToArray();
        using var response = await api.Emulator.PostAsJsonAsync("/_emulator/redeliver", new { times = 3, shuffle = true, eventIds = ids });
        response.EnsureSuccessStatusCode();
        done.UnionWith(ids);
        log($"the emulator redelivers {ids.Length} events 3 times each in random order ({await response.Content.ReadAsStringAsync()})");
    }
}
