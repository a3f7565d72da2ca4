using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;

namespace OraServ.LoadTests.Faults;

/// <summary>
/// Issue #9's checks after a fault, from the outside (the API, the emulator, the broker) and from each service's
/// database: every payment taken recorded exactly once, every paid invoice reads paid, no event left in an outbox or
/// in Payments' Stripe event log, and nothing new in the _error queues (or what is there, with the reason).
/// </summary>
public sealed class FaultChecks(OraServApi api, Tenant tenant, LocalRun run)
{
    /// <summary>Databases that hold an outbox (services/*/Migrations).</summary>
    private static readonly string[] OutboxDatabases = ["jobsdb", "invoicingdb", "paymentsdb", "notificationsdb", "automationdb"];

    public sealed record Check(string Name, string Expected, string Found, bool Passed);

    public static string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={LocalRun.PostgresPort};Username=oraserv;Database={database};Timeout=10;Command Timeout=30;Pooling=false";

    /// <summary>Messages in each _error queue now, to tell what the fault run adds.</summary>
    public async Task<Dictionary<string, long>> ErrorQueuesAsync() =>
        (await run.QueuesAsync()).Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal)).ToDictionary();

    /// <summary>
    /// Waits until no outbox row, no Stripe event and no queued email or SMS is pending (or the time is up); returns how
    /// long it took. A queued message counts: sending it writes EmailSent to the outbox, so an outbox checked empty while
    /// emails that waited out the fault were still going out was caught with a row in flight (a 60-path PostgreSQL restart run, 2026-11-25 09:27).
    /// </summary>
    public async Task<TimeSpan> SettleAsync(TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout)
        {
            try
            {
                // Webhooks the emulator is still delivering or retrying count as pending too.
                var pending = (long)(await api.Emulator.GetFromJsonAsync<JsonElement>("/_emulator/deliveries")).GetProperty("inFlight").GetInt32();
                foreach (var db in OutboxDatabases)
                {
                    pending += (await PendingOutboxAsync(db)).Count;
                }
                pending += await ScalarAsync<long>("paymentsdb", "select count(*) from stripe_events where processed_at is null");
                pending += await ScalarAsync<long>("notificationsdb", "select count(*) from messages where \"Status\" = 'Queued'");
                if (pending == 0)
                {
                    return Stopwatch.GetElapsedTime(started);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or HttpRequestException)
            {
                // PostgreSQL still coming back.
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
        return Stopwatch.GetElapsedTime(started);
    }

    public async Task<List<Check>> RunAsync(IReadOnlyDictionary<Guid, string> confirmedByDriver, IReadOnlyCollection<Guid> invoices, Dictionary<string, long> errorQueuesBefore,
        IReadOnlyCollection<string> redelivered)
    {
        var checks = new List<Check>();

        // Payments taken: what Stripe (the emulator) says succeeded on this business's account.
        var events = await api.Emulator.GetFromJsonAsync<JsonElement[]>("/_emulator/events") ?? [];
        var taken = events
            .Where(e => e.TryGetProperty("account", out var a) && a.GetString() == tenant.StripeAccountId && e.GetProperty("type").GetString() == "payment_intent.succeeded")
            .Select(e => e.GetProperty("data").GetProperty("object").GetProperty("id").GetString()!)
            .ToHashSet();
        var missingAtStripe = confirmedByDriver.Values.Count(id => !taken.Contains(id));
        checks.Add(new("payments taken: cards confirmed by the driver that Stripe reports succeeded", $"{confirmedByDriver.Count}",
            $"{confirmedByDriver.Count - missingAtStripe} (Stripe reports {taken.Count} succeeded on the account)", missingAtStripe == 0 && taken.Count == confirmedByDriver.Count));

        if (redelivered.Count > 0)
        {
            // Every event of the business reached Payments (2xx) once and again three times.
            var deliveries = (await api.Emulator.GetFromJsonAsync<JsonElement>("/_emulator/deliveries")).GetProperty("deliveries").EnumerateArray()
                .Where(d => d.GetProperty("status").ValueKind == JsonValueKind.Number && d.GetProperty("status").GetInt32() is >= 200 and < 300)
                .GroupBy(d => d.GetProperty("eventId").GetString()!).ToDictionary(g => g.Key, g => g.Count());
            var four = redelivered.Count(id => deliveries.GetValueOrDefault(id) >= 4);
            checks.Add(new("emulator: events of the run answered 2xx at least 4 times (sent + 3 redeliveries)", $"{redelivered.Count}", $"{four}", four == redelivered.Count));
        }

        // Payments: one row per intent taken, none for anything else of this run.
        var ids = taken.ToArray();
        var rows = await RowsAsync("paymentsdb", """select "StripePaymentIntentId", count(*) from payments where "StripePaymentIntentId" = any(@ids) group by 1""",
            r => (Intent: r.GetString(0), Count: r.GetInt64(1)), ("ids", ids));
        var once = rows.Count(r => r.Count == 1);
        var twice = rows.Where(r => r.Count > 1).ToList();
        checks.Add(new("Payments: a payments row per payment taken", $"{taken.Count} intents x 1 row", $"{once} with 1 row, {taken.Count - rows.Count} with none, {twice.Count} with more",
            once == taken.Count));
        var invoiceArray = invoices.ToArray();
        var perInvoice = await RowsAsync("paymentsdb", """select "InvoiceId", count(*) from payments where "InvoiceId" = any(@ids) group by 1""",
            r => (Invoice: r.GetGuid(0), Count: r.GetInt64(1)), ("ids", invoiceArray));
        checks.Add(new("Payments: no invoice of the run with two payments", "0", $"{perInvoice.Count(r => r.Count > 1)}", perInvoice.All(r => r.Count == 1)));

        // The invoice of every payment taken reads paid through the API, paid once (amountPaid = total).
        var paidInvoices = await RowsAsync("paymentsdb", """select "StripePaymentIntentId", "InvoiceId" from payment_intents where "StripePaymentIntentId" = any(@ids)""",
            r => r.GetGuid(1), ("ids", ids));
        var readsPaid = 0;
        var notPaid = new List<string>();
        foreach (var invoiceId in paidInvoices)
        {
            var invoice = await OraServApi.MustAsync(tenant.Owner.GetAsync($"/api/invoices/{invoiceId}"));
            var status = invoice.GetProperty("status").GetString();
            var due = invoice.GetProperty("amountDue").GetDecimal();
            var paid = invoice.GetProperty("amountPaid").GetDecimal();
            var total = invoice.GetProperty("total").GetDecimal();
            if (status == "paid" && due == 0 && paid == total)
            {
                readsPaid++;
            }
            else if (notPaid.Count < 5)
            {
                notPaid.Add(string.Create(CultureInfo.InvariantCulture, $"{invoiceId}: {status}, paid {paid} of {total}, due {due}"));
            }
        }
        checks.Add(new("API: the invoice of each payment reads paid, amountPaid = total, amountDue 0", $"{taken.Count}",
            $"{readsPaid}{(notPaid.Count > 0 ? " (e.g. " + string.Join("; ", notPaid) + ")" : "")}", readsPaid == taken.Count && paidInvoices.Count == taken.Count));

        // Invoicing applied each payment once.
        var applied = await RowsAsync("invoicingdb", """select "InvoiceId", count(*) from invoice_payments where "InvoiceId" = any(@ids) group by 1""",
            r => (Invoice: r.GetGuid(0), Count: r.GetInt64(1)), ("ids", paidInvoices.ToArray()));
        checks.Add(new("Invoicing: one payment applied per paid invoice", $"{paidInvoices.Count} invoices x 1",
            $"{applied.Count(a => a.Count == 1)} with 1, {paidInvoices.Count - applied.Count} with none, {applied.Count(a => a.Count > 1)} with more", applied.Count(a => a.Count == 1) == paidInvoices.Count));

        // Nothing stuck: outboxes and the Stripe event log.
        var stuck = new List<string>();
        foreach (var db in OutboxDatabases)
        {
            var (count, oldest) = await PendingOutboxAsync(db);
            if (count > 0)
            {
                stuck.Add(string.Create(CultureInfo.InvariantCulture, $"{db} {count} (oldest {oldest:HH:mm:ss})"));
            }
        }
        checks.Add(new("outboxes: rows not dispatched (5 service databases)", "0", stuck.Count == 0 ? "0" : string.Join(", ", stuck), stuck.Count == 0));
        var unprocessed = await ScalarAsync<long>("paymentsdb", "select count(*) from stripe_events where processed_at is null");
        checks.Add(new("Payments: Stripe events stored but not processed", "0", $"{unprocessed}", unprocessed == 0));

        // _error queues: what the run added, with MassTransit's reason for each kind.
        var after = await ErrorQueuesAsync();
        var added = after.Select(q => (q.Key, Added: q.Value - errorQueuesBefore.GetValueOrDefault(q.Key))).Where(q => q.Added > 0).ToList();
        var found = added.Count == 0
            ? $"none added ({after.Values.Sum()} from before the run)"
            : string.Join("; ", await Task.WhenAll(added.Select(async q => $"{q.Key} +{q.Added}: {await ReasonsAsync(q.Key)}")));
        checks.Add(new("RabbitMQ: messages added to *_error queues", "0", found, added.Count == 0));
        return checks;
    }

    public static string Table(IEnumerable<Check> checks)
    {
        var text = new StringBuilder();
        text.AppendLine("| check | expected | found | result |");
        text.AppendLine("|---|---|---|---|");
        foreach (var c in checks)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {c.Name} | {c.Expected} | {c.Found} | {(c.Passed ? "pass" : "**FAIL**")} |");
        }
        return text.ToString();
    }

    /// <summary>The fault reasons MassTransit put on the first messages of an _error queue, read without taking them off.</summary>
    private async Task<string> ReasonsAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri($"amqp://guest:guest@127.0.0.1:{LocalRun.RabbitMqPort}/") };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var reasons = new Dictionary<string, int>();
        for (var n = 0; n < 20; n++)
        {
            var message = await channel.BasicGetAsync(queue, autoAck: false);
            if (message is null)
            {
                break;
            }
            var headers = message.BasicProperties.Headers ?? new Dictionary<string, object?>();
            var reason = $"{Header(headers, "MT-Fault-ExceptionType")}: {Header(headers, "MT-Fault-Message")}";
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }
        // Closing the channel puts the unacknowledged messages back.
        return string.Join(" / ", reasons.Select(r => $"{r.Value} x {r.Key}"));
    }

    private static string Header(IDictionary<string, object?> headers, string key) =>
        headers.TryGetValue(key, out var value) && value is byte[] bytes ? Truncate(Encoding.UTF8.GetString(bytes)) : "?";

    private static string Truncate(string text) => (text.Length > 200 ? text[..200] : text).ReplaceLineEndings(" ").Replace("|", "/", StringComparison.Ordinal);

    private static async Task<(long Count, DateTimeOffset? Oldest)> PendingOutboxAsync(string database)
    {
        var row = await RowsAsync(database, "select count(*), min(occurred_at) from outbox_messages where dispatched_at is null",
            r => (r.GetInt64(0), r.IsDBNull(1) ? (DateTimeOffset?)null : r.GetFieldValue<DateTimeOffset>(1)));
        return row[0];
    }

    private static async Task<T> ScalarAsync<T>(string database, string sql) =>
        (await RowsAsync(database, sql, r => r.GetFieldValue<T>(0)))[0];

    private static async Task<List<T>> RowsAsync<T>(string database, string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(read(reader));
        }
        return rows;
    }
}
