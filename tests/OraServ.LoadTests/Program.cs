using System.Globalization;
using OraServ.LoadTests;
using OraServ.LoadTests.Scenarios;

LoadOptions? options;
try
{
    options = LoadOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
string[] scenarios = options?.Scenario switch
{
    "all" => ["invoice", "webhook-to-paid", "money-path", "webhook-ingest"],
    "invoice" or "webhook-ingest" or "webhook-floor" or "webhook-to-paid" or "money-path" or "faults" => [options.Scenario],
    _ => [],
};
if (options is null || scenarios.Length == 0)
{
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

ScenarioResult.Hold = options.Hold;
AppDomain.CurrentDomain.ProcessExit += (_, _) => ScenarioResult.ContinueHeld();
AppDomain.CurrentDomain.UnhandledException += (_, _) => ScenarioResult.ContinueHeld();
Console.CancelKeyPress += (_, _) => ScenarioResult.ContinueHeld();
using var api = new OraServApi(options);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"OraServ load driver, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, gateway {options.Gateway}: {string.Join(' ', args)}"));
ScenarioResult.IdleRate = await ServiceProcesses.IdleRateAsync(options.CheckoutRoot());
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The local run with nothing to do uses {ScenarioResult.IdleRate:F2} of a core."));
var tenants = new Tenant[options.Tenants];
for (var n = 0; n < tenants.Length; n++)
{
    tenants[n] = await api.SignUpAsync(n);
}
var tenant = tenants[0];
Console.WriteLine($"Signed up {tenants.Length} tenant(s), each with its Stripe account active.");
await using var dashboard = await DashboardWatch.ConnectAsync(options.Gateway, tenant);

var failed = false;
foreach (var scenario in scenarios)
{
    // Under "all" each scenario runs with its own defaults.
    var run = scenarios.Length == 1 ? api : new OraServApi(new LoadOptions { Scenario = scenario, Gateway = options.Gateway, Emulator = options.Emulator, WebhookSecret = options.WebhookSecret });
    var loadBefore = LoadAverage();
    var dashboardBefore = dashboard.Counts;
    var result = scenario switch
    {
        "invoice" => await InvoiceScenario.RunAsync(run, tenants),
        "webhook-ingest" => await WebhookIngestScenario.RunAsync(run, tenant, dashboard),
        "webhook-floor" => await WebhookIngestScenario.FloorAsync(run, tenant),
        "webhook-to-paid" => await WebhookToPaidScenario.RunAsync(run, tenant, dashboard),
        "faults" => await FaultScenario.RunAsync(run, tenant, dashboard),
        _ => await MoneyPathScenario.RunAsync(run, tenant, dashboard),
    };
    var after = result.MeasuringEnds();
    Console.WriteLine();
    Console.WriteLine($"## {result.Title}");
    Console.WriteLine();
    if (scenario is not ("invoice" or "webhook-floor"))
    {
        var (resyncs, reconnects, paidOnReadingAgain) = dashboard.Counts;
        result.Notes.Add($"dashboard: {resyncs - dashboardBefore.Resyncs} \"resync\" message(s) from Notifications, {reconnects - dashboardBefore.Reconnects} reconnect(s); "
            + $"{paidOnReadingAgain - dashboardBefore.PaidOnReadingAgain} invoice(s) seen PAID by reading them again then (GET /api/invoices/{{id}}) rather than from a push");
    }
    result.Notes.Add($"machine load average (1 min) at the start and end of the scenario: {loadBefore} / {LoadAverage()} (other work on the machine shows here)");
    foreach (var note in result.Notes)
    {
        Console.WriteLine($"- {note}");
    }
    Console.WriteLine();
    Console.WriteLine(StepStats.Table(result.Steps));
    Console.WriteLine(StepStats.Timeline(result.Steps));
    if (result.Checks.Count > 0)
    {
        Console.WriteLine(OraServ.LoadTests.Faults.FaultChecks.Table(result.Checks));
        failed |= result.Checks.Any(c => !c.Passed);
    }
    foreach (var example in result.Steps.SelectMany(s => s.FailureExamples))
    {
        Console.WriteLine($"- {example}");
    }
    Console.WriteLine();
    Console.WriteLine(ServiceProcesses.Table(result.Before!, after, scenario == "faults" ? null : await result.DrainedAsync()));
    if (scenario != "faults")
    {
        Console.WriteLine(result.Drained is { } drained
            ? $"- the work the measured requests set off (emails, reminders, events) was done {drained.TotalSeconds:F0} s after the phase ended (the local run idle again, its last 3 s included)"
            : "- the work the measured requests set off was still not done 180 s after the phase ended");
    }
    if (!ReferenceEquals(run, api))
    {
        run.Dispose();
    }
}
return failed ? 1 : 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
