using System.Globalization;

namespace OraServ.LoadTests;

/// <summary>The command line: a scenario and its arrival rate and length.</summary>
public sealed record LoadOptions
{
    public const string Usage = """
        OraServ load driver: runs against the local run (bash deploy/local/run.sh) through the gateway.

        usage: dotnet run -c Release --project tests/OraServ.LoadTests -- <scenario> [options]

        scenarios:
          invoice          "Invoice Job" (POST /api/invoices) then "send" (POST /api/invoices/{id}/send), each at --rate
                           for --duration seconds; the completed jobs are made in a setup phase first
          webhook-ingest   signed Stripe webhooks (payment_intent.succeeded for unknown intents) POSTed to /webhooks/stripe
          webhook-floor    the same signed webhooks at the same rate, POSTed through the gateway to /webhooks/stripe/floor: the
                           gateway forwards them to Payments like any webhook, and Payments refuses them at once (401, no
                           such endpoint) without reading the body, checking a signature or touching its database. Every
                           401 counts: the latency and CPU floor that any webhook handler behind the gateway stands on
          webhook-to-paid  --count open invoices with pay intents, then one signed payment_intent.succeeded each at --rate;
                           measures webhook sent -> the invoice reads PAID on the SignalR dashboard hub
          money-path       --count full paths (job, complete, Invoice Job, send, pay page, intent, confirm with
                           pm_card_visa at the emulator, the emulator's webhook -> PAID), started at --rate per second
          all              the four in that order with their default rates, one tenant
          faults           --count money paths (default 200) at --rate (default 5) with one --fault injected when half of
                           the cards are confirmed, then checks that nothing was lost or doubled (exit code 1 if not):
                           rabbitmq-stop     the RabbitMQ node stopped for --fault-seconds (default 30), then started again
                           postgres-restart  PostgreSQL restarted (pg_ctl stop -m fast, started again on the same data)
                           invoicing-kill    Invoicing SIGKILLed, started again after --fault-seconds (default 5)
                           redeliver         the emulator redelivers every event of the run 3 more times, shuffled

        options:
          --rate <per second>      arrival rate (open loop: requests start on schedule whether or not earlier ones finished)
          --duration <seconds>     how long the rate runs (invoice, webhook-ingest, webhook-floor)
          --count <n>              how many (webhook-to-paid, money-path; overrides --duration elsewhere)
          --tenants <n>            businesses the invoice scenario spreads its requests over (default 1: every send takes
                           the same tenant's gapless invoice number, one after the other)
          --warm-up <n>            how many unmeasured requests (payments, invoices, webhooks) go first, so the services'
                           JIT has compiled their hot paths (default: webhook-to-paid and invoice 150, webhook-ingest and webhook-floor 200)
          --gateway <url>          default http://127.0.0.1:8080
          --emulator <url>         default http://127.0.0.1:12111
          --hold <names>           comma-separated, of payments, notifications, automation, smtp4dev: stopped (SIGSTOP) while
                           the scenario measures and continued after it, so the measured requests run without the work
                           they set off competing for the CPU (it waits, then is worked off); what the requests alone need
          --webhook-url <url>      webhook-ingest: where the measured webhooks go (default: the gateway's /webhooks/stripe), e.g.
                           Payments' own address to measure without the gateway
          --webhook-secret <s>     default "whsec_" + the content of .data/stripe-webhook-secret (found upwards from here)
          --timeout <seconds>      how long to wait for PAID before counting a path as lost (default 60; faults: 300)
          --fault <kind>           faults: which fault (above)
          --fault-seconds <s>      faults: how long the broker or the service stays down
          --settle <seconds>       faults: how long to wait for outboxes and the Stripe event log to empty (default 300)
          --patience <seconds>     faults: how long a step is tried again after a 5xx or no answer (default 120)
        """;

    public required string Scenario { get; init; }
    public double? Rate { get; init; }
    public double? DurationSeconds { get; init; }
    public int? Count { get; init; }
    public int Tenants { get; init; } = 1;
    public int? WarmUp { get; init; }
    public Uri Gateway { get; init; } = new("http://127.0.0.1:8080");
    public Uri Emulator { get; init; } = new("http://127.0.0.1:12111");
    public string? WebhookSecret { get; init; }
    public Uri? WebhookUrl { get; init; }
    public IReadOnlyList<string> Hold { get; init; } = [];
    public TimeSpan PaidTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public string? Fault { get; init; }
    public TimeSpan? FaultDuration { get; init; }
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(300);
    public TimeSpan Patience { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>How many arrivals: --count, or --rate x --duration, or the scenario's default.</summary>
    public int Arrivals(double defaultRate, double defaultSeconds) =>
        Count ?? (int)Math.Ceiling((Rate ?? defaultRate) * (DurationSeconds ?? defaultSeconds));

    public static LoadOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            return null;
        }
        var options = new LoadOptions { Scenario = args[0] };
        if (options.Scenario == "faults")
        {
            options = options with { PaidTimeout = TimeSpan.FromSeconds(300) };
        }
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--rate" => options with { Rate = Number(value) },
                "--duration" => options with { DurationSeconds = Number(value) },
                "--warm-up" => options with { WarmUp = (int)Number(value) },
                "--count" => options with { Count = (int)Number(value) },
                "--tenants" => options with { Tenants = (int)Number(value) },
                "--gateway" => options with { Gateway = new Uri(value) },
                "--emulator" => options with { Emulator = new Uri(value) },
                "--webhook-secret" => options with { WebhookSecret = value },
                "--webhook-url" => options with { WebhookUrl = new Uri(value) },
                "--hold" => options with { Hold = Holdable(value) },
                "--timeout" => options with { PaidTimeout = TimeSpan.FromSeconds(Number(value)) },
                "--fault" => options with { Fault = value },
                "--fault-seconds" => options with { FaultDuration = TimeSpan.FromSeconds(Number(value)) },
                "--settle" => options with { Settle = TimeSpan.FromSeconds(Number(value)) },
                "--patience" => options with { Patience = TimeSpan.FromSeconds(Number(value)) },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
            i++;
        }
        return options;
    }

    /// <summary>The checkout the local run was started from: the folder above here that holds .data.</summary>
    public string CheckoutRoot()
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            if (Directory.Exists(Path.Combine(folder.FullName, ".data")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException("No .data folder above the current one: run from the checkout whose local run is up.");
    }

    public string ResolveWebhookSecret() =>
        WebhookSecret is { Length: > 0 } secret
            ? secret
            : "whsec_" + File.ReadAllText(Path.Combine(CheckoutRoot(), ".data", "stripe-webhook-secret")).Trim();

    private static string[] Holdable(string names)
    {
        var held = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return held.FirstOrDefault(n => !ServiceProcesses.Holdable.Contains(n)) is { } unknown
            ? throw new ArgumentException($"--hold: '{unknown}' is not one of {string.Join(", ", ServiceProcesses.Holdable)}.")
            : held;
    }

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"'{text}' is not a positive number.");
}
