using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.ServiceDefaults;
using OraServ.Testing;
using Xunit;

namespace OraServ.Payments.Tests.Service;

/// <summary>
/// Four Stripe event workers share the stored events, yet one payment's events are worked one at a time in the order
/// they arrived, while other payments' events are worked in parallel.
/// </summary>
public sealed class EventOrderingTests : IAsyncLifetime
{
    private PaymentsHost _payments = null!;

    public async Task InitializeAsync() =>
        _payments = await PaymentsHost.StartAsync(settings: new Dictionary<string, string> { ["Stripe:EventWorkers"] = "4" });

    public async Task DisposeAsync() => await _payments.DisposeAsync();

    private Task<List<StripeEventLog>> StoredAsync() => _payments.InTenantAsync(Guid.Empty, db => db.StripeEvents.AsNoTracking().ToListAsync());

    /// <summary>Each intent's decline, success and late decline were worked in the order they arrived, with those outcomes.</summary>
    private async Task<ILookup<string, StripeEventLog>> WorkedInArrivalOrderAsync(IEnumerable<string> intentIds)
    {
        var events = (await StoredAsync()).ToLookup(e => e.OrderingKey);
        Assert.All(intentIds, id => Assert.Equal(
            [("payment_intent.payment_failed", "failure published"), ("payment_intent.succeeded", "payment recorded"), ("payment_intent.payment_failed", "ignored: already paid")],
            events[id].OrderBy(e => e.ReceivedAt).Select(e => (e.Type, e.Outcome))));
        Assert.All(intentIds, id => Assert.Equal(events[id].OrderBy(e => e.ReceivedAt).Select(e => e.Id), events[id].OrderBy(e => e.ProcessedAt).Select(e => e.Id)));
        return events;
    }

    private async Task<string> ConnectedAccountAsync(Guid tenant)
    {
        var account = await _payments.ConnectAsync(tenant);
        await _payments.SettledAsync();
        return account;
    }

    [Fact]
    public async Task A_decline_a_success_and_a_late_decline_of_each_of_60_intents_piled_up_in_a_burst_are_worked_in_arrival_order()
    {
        var tenant = Guid.CreateVersion7();
        var account = await ConnectedAccountAsync(tenant);
        var intents = Enumerable.Range(0, 60).Select(_ => (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7())).ToList();
        await using var busy = await BusyWorkers.StartAsync(_payments, tenant, account, workers: 4);

        // Each customer's first card is declined, the second one pays; the second card's decline reaches us only after
        // the success (Stripe does not promise order). Each event is sent once the one before it was answered 2xx, so
        // the backlog holds each payment's events next to each other, where the workers meet them at the same time.
        foreach (var intent in intents)
        {
            foreach (var type in (string[])["payment_intent.payment_failed", "payment_intent.succeeded", "payment_intent.payment_failed"])
            {
                Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent(type, account, intent.Id, intent.Invoice, 5000)));
            }
        }
        await busy.DisposeAsync();
        await _payments.SettledAsync();

        var events = await WorkedInArrivalOrderAsync(intents.Select(i => i.Id));
        Assert.All(events.SelectMany(e => e), e => Assert.Equal(1, e.Attempts));
        var failed = (await _payments.OutboxAsync<PaymentFailed>()).Select(m => ((PaymentFailed)m.ToEvent()).PaymentId);
        var succeeded = (await _payments.OutboxAsync<PaymentSucceeded>()).Select(m => ((PaymentSucceeded)m.ToEvent()).PaymentId).Where(id => !busy.Intents.Contains(id));
        Assert.Equal(intents.Select(i => i.Id).Order(), failed.Order());
        Assert.Equal(intents.Select(i => i.Id).Order(), succeeded.Order());
    }

    [Fact]
    public async Task Events_stored_by_an_instance_that_stopped_before_working_them_are_found_and_worked_in_arrival_order()
    {
        var tenant = Guid.CreateVersion7();
        var account = await ConnectedAccountAsync(tenant);
        var intents = Enumerable.Range(0, 20).Select(_ => (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7())).ToList();
        // Rows in the log that no webhook to this instance handed to its workers: only the workers' scan can find them.
        var receivedAt = DateTimeOffset.UtcNow;
        var stored = intents.SelectMany(intent => ((string[])["payment_intent.payment_failed", "payment_intent.succeeded", "payment_intent.payment_failed"])
            .Select(type => SignedEvents.PaymentIntent(type, account, intent.Id, intent.Invoice, 5000)))
            .Select((body, i) =>
            {
                var json = System.Text.Json.JsonDocument.Parse(body).RootElement;
                return new StripeEventLog
                {
                    Id = json.GetProperty("id").GetString()!, Type = json.GetProperty("type").GetString()!, Account = account,
                    OrderingKey = json.GetProperty("data").GetProperty("object").GetProperty("id").GetString()!,
                    Payload = body, ReceivedAt = receivedAt.AddMilliseconds(i),
                };
            }).ToList();
        await _payments.InTenantAsync(Guid.Empty, db =>
        {
            db.StripeEvents.AddRange(stored);
            return db.SaveChangesAsync();
        });

        await _payments.SettledAsync();

        await WorkedInArrivalOrderAsync(intents.Select(i => i.Id));
    }

    [Fact]
    public async Task A_burst_that_piles_up_after_the_log_was_analyzed_with_nothing_pending_is_worked_without_walking_the_backlog_for_each_event()
    {
        const int burst = 1_200;
        var tenant = Guid.CreateVersion7();
        var account = await ConnectedAccountAsync(tenant);
        // What PostgreSQL's planner usually knows of the log: analyzed while nothing was pending, so it takes the
        // partial indexes of pending events to be empty, and any plan through them to cost nothing.
        await _payments.InTenantAsync(Guid.Empty, db => db.Database.ExecuteSqlRawAsync("ANALYZE stripe_events"));
        var busy = await BusyWorkers.StartAsync(_payments, tenant, account, workers: 4);
        await Parallel.ForEachAsync(Enumerable.Range(0, burst), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, _) => Assert.Equal(HttpStatusCode.OK,
            await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, SignedEvents.NewId("pi"), Guid.CreateVersion7(), 5000))));
        var before = await IndexEntriesReadAsync();

        await busy.DisposeAsync();
        // Waiting on the payments, not on the pending events: counting those would read the index being measured.
        await Eventually.TrueAsync(() => _payments.InTenantAsync(tenant, db => db.Payments.CountAsync().ContinueWith(c => c.Result == burst + busy.Intents.Count)),
            "every payment to be recorded");

        // Each event is claimed by its id and checked against its own key's older events: a handful of index entries.
        // Walking the pending events instead reads the whole backlog (and the entries of those already worked) each time.
        var perEvent = (await IndexEntriesReadAsync() - before) / (double)burst;
        Assert.True(perEvent < 30, $"{perEvent:F0} index entries of stripe_events read per event worked");
        Assert.Equal(burst, (await StoredAsync()).Count(e => e.Outcome == "payment recorded" && !busy.Intents.Contains(e.OrderingKey)));
    }

    [Fact]
    public async Task A_burst_of_piled_up_payments_is_worked_in_batches_with_far_fewer_transactions_than_events()
    {
        const int burst = 200;
        var tenant = Guid.CreateVersion7();
        var account = await ConnectedAccountAsync(tenant);
        var busy = await BusyWorkers.StartAsync(_payments, tenant, account, workers: 4);
        var intents = Enumerable.Range(0, burst).Select(_ => (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7())).ToList();
        await Parallel.ForEachAsync(intents, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (intent, _) => Assert.Equal(HttpStatusCode.OK,
            await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, intent.Id, intent.Invoice, 5000))));

        await busy.DisposeAsync();
        await Eventually.TrueAsync(() => _payments.InTenantAsync(tenant, db => db.Payments.CountAsync().ContinueWith(c => c.Result == burst + busy.Intents.Count)),
            "every payment to be recorded");

        // One at a time, each event is worked in a transaction of its own: the 200 events would carry 200 of them.
        var perEvent = await WorkingTransactionsAsync(intents.Select(i => i.Id).ToArray()) / (double)burst;
        Assert.True(perEvent < 0.5, $"{perEvent:F2} transactions per event worked");
        var published = (await _payments.OutboxAsync<PaymentSucceeded>()).Select(m => (PaymentSucceeded)m.ToEvent()).Where(e => !busy.Intents.Contains(e.PaymentId)).ToList();
        Assert.Equal(intents.Select(i => (i.Id, i.Invoice)).Order(), published.Select(e => (e.PaymentId, e.InvoiceId)).Order());
        Assert.All(await StoredAsync(), e => Assert.Equal(1, e.Attempts));
    }

    [Fact]
    public async Task An_event_that_cannot_be_applied_fails_alone_and_the_others_worked_with_it_are_applied()
    {
        var tenant = Guid.CreateVersion7();
        var account = await ConnectedAccountAsync(tenant);
        var busy = await BusyWorkers.StartAsync(_payments, tenant, account, workers: 4);
        var intents = Enumerable.Range(0, 30).Select(_ => (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7())).ToList();
        // An intent id longer than any Stripe id: its payment cannot be stored, whatever the attempt.
        var bad = "pi_" + new string('x', 80);
        foreach (var (intent, i) in intents.Select((intent, i) => (intent, i)))
        {
            Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, intent.Id, intent.Invoice, 5000)));
            if (i == 15)
            {
                Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, bad, Guid.CreateVersion7(), 5000)));
            }
        }

        await busy.DisposeAsync();
        await Eventually.TrueAsync(() => _payments.InTenantAsync(tenant, db => db.Payments.CountAsync().ContinueWith(c => c.Result == intents.Count + busy.Intents.Count)),
            "every other payment to be recorded");
        await Eventually.TrueAsync(async () => (await StoredAsync()).Single(e => e.OrderingKey == bad).Attempts > 0, "the bad event to fail");

        var failed = (await StoredAsync()).Single(e => e.OrderingKey == bad);
        Assert.Null(failed.ProcessedAt);
        Assert.NotNull(failed.LastError);
        Assert.True(failed.NextAttemptAt > DateTimeOffset.UtcNow, "the failed event is retried later, with back-off");
        var published = (await _payments.OutboxAsync<PaymentSucceeded>()).Select(m => ((PaymentSucceeded)m.ToEvent()).PaymentId).Where(id => !busy.Intents.Contains(id));
        Assert.Equal(intents.Select(i => i.Id).Order(), published.Order());
        Assert.All((await StoredAsync()).Where(e => e.Type == "payment_intent.succeeded" && e.OrderingKey != bad),
            e => Assert.Equal((1, "payment recorded"), (e.Attempts, e.Outcome)));
    }

    /// <summary>
    /// The transactions that worked the events of these keys: a row carries the id of the transaction that last wrote it
    /// (xmin). Unlike the database's commit count, this leaves out the other workers' and the test's own reads.
    /// </summary>
    private Task<long> WorkingTransactionsAsync(string[] keys) =>
        _payments.InTenantAsync(Guid.Empty, db => db.Database
            .SqlQueryRaw<long>($"SELECT count(DISTINCT xmin::text) AS \"Value\" FROM {PaymentsDbContext.StripeEventsTable} WHERE ordering_key = ANY({{0}})", [keys])
            .SingleAsync());

    /// <summary>Index entries read from stripe_events' indexes so far, by every connection of this process.</summary>
    private async Task<long> IndexEntriesReadAsync()
    {
        // A server process reports its statistics when it ends: closing the idle pooled connections counts everything.
        Npgsql.NpgsqlConnection.ClearAllPools();
        return await _payments.InTenantAsync(Guid.Empty, db => db.Database
            .SqlQueryRaw<long>("SELECT coalesce(sum(idx_tup_read), 0)::bigint AS \"Value\" FROM pg_stat_user_indexes WHERE relname = 'stripe_events'")
            .SingleAsync());
    }

    [Fact]
    public async Task An_event_of_an_account_no_tenant_has_is_ignored_and_once_the_account_is_a_tenants_its_events_are_applied()
    {
        var tenant = Guid.CreateVersion7();
        var account = SignedEvents.NewId("acct");
        var early = (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7());
        var later = (Id: SignedEvents.NewId("pi"), Invoice: Guid.CreateVersion7());

        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, early.Id, early.Invoice, 5000)));
        await _payments.SettledAsync();
        await _payments.InTenantAsync(tenant, db =>
        {
            db.ConnectedAccounts.Add(new ConnectedAccount { TenantId = tenant, StripeAccountId = account, CreatedAt = DateTimeOffset.UtcNow });
            return db.SaveChangesAsync();
        });
        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, later.Id, later.Invoice, 5000)));
        await _payments.SettledAsync();

        var events = (await StoredAsync()).Where(e => e.Account == account).ToDictionary(e => e.OrderingKey);
        Assert.Equal("ignored: unknown account", events[early.Id].Outcome);
        Assert.Equal("payment recorded", events[later.Id].Outcome);
        Assert.Equal(tenant, events[later.Id].TenantId);
        var payment = Assert.Single(await _payments.InTenantAsync(tenant, db => db.Payments.AsNoTracking().ToListAsync()));
        Assert.Equal((later.Id, later.Invoice, 50m), (payment.StripePaymentIntentId, payment.InvoiceId, payment.Amount));
    }

    [Fact]
    public async Task Webhooks_arriving_at_once_twice_each_are_stored_once_and_each_answered_only_after_its_event_is_committed()
    {
        var account = await ConnectedAccountAsync(Guid.CreateVersion7());
        var bodies = Enumerable.Range(0, 150)
            .Select(_ => SignedEvents.PaymentIntent("payment_intent.succeeded", account, SignedEvents.NewId("pi"), Guid.CreateVersion7(), 1000)).ToList();

        var answers = await Task.WhenAll(bodies.Concat(bodies).Select(async body =>
        {
            var status = await _payments.PostAsync(body);
            var id = System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("id").GetString();
            return (status, stored: await _payments.InTenantAsync(Guid.Empty, db => db.StripeEvents.AnyAsync(e => e.Id == id)));
        }));
        await _payments.SettledAsync();

        Assert.All(answers, answer => Assert.Equal((HttpStatusCode.OK, true), answer));
        var stored = await StoredAsync();
        Assert.Equal(bodies.Count, stored.Count(e => e.Type == "payment_intent.succeeded"));
        Assert.All(stored.Where(e => e.Type == "payment_intent.succeeded"), e => Assert.Equal(("payment recorded", 1), (e.Outcome, e.Attempts)));
        Assert.Equal(bodies.Count, (await _payments.OutboxAsync<PaymentSucceeded>()).Count);
    }

    [Fact]
    public async Task While_one_payment_is_being_worked_its_next_event_waits_and_other_payments_are_worked()
    {
        var tenant = Guid.CreateVersion7();
        var account = await ConnectedAccountAsync(tenant);
        var (slow, slowInvoice) = (SignedEvents.NewId("pi"), Guid.CreateVersion7());

        // Another transaction holds an uncommitted payment of the same intent: the worker that takes the success blocks on
        // its insert until that transaction ends, as if the event took long to work.
        await using var scope = _payments.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Use(tenant);
        var blocker = scope.ServiceProvider.GetRequiredService<PaymentsDbContext>();
        await using var tx = await blocker.Database.BeginTransactionAsync();
        blocker.Payments.Add(new Payment { TenantId = tenant, InvoiceId = slowInvoice, StripePaymentIntentId = slow, Currency = "USD", Method = "card", Amount = 1m });
        await blocker.SaveChangesAsync();

        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, slow, slowInvoice, 5000)));
        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.payment_failed", account, slow, slowInvoice, 5000)));
        var others = Enumerable.Range(0, 20).Select(_ => SignedEvents.NewId("pi")).ToList();
        foreach (var other in others)
        {
            Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, other, Guid.CreateVersion7(), 2500)));
        }

        await Eventually.TrueAsync(async () => (await StoredAsync()).Count(e => others.Contains(e.OrderingKey) && e.ProcessedAt != null) == others.Count,
            "the other payments to be worked");
        var waiting = (await StoredAsync()).Where(e => e.OrderingKey == slow).ToList();
        Assert.Equal(2, waiting.Count);
        Assert.All(waiting, e => Assert.Equal((null, 0), (e.ProcessedAt, e.Attempts)));

        await tx.RollbackAsync();
        await _payments.SettledAsync();

        var worked = (await StoredAsync()).Where(e => e.OrderingKey == slow).OrderBy(e => e.ProcessedAt).Select(e => (e.Type, e.Outcome));
        Assert.Equal([("payment_intent.succeeded", "payment recorded"), ("payment_intent.payment_failed", "ignored: already paid")], worked);
        Assert.Empty(await _payments.OutboxAsync<PaymentFailed>());
    }

    [Fact]
    public async Task A_failing_event_retried_with_back_off_holds_back_only_the_events_of_its_own_payment()
    {
        var account = await ConnectedAccountAsync(Guid.CreateVersion7());
        // A dispute of an intent Stripe does not know: reading the intent fails, so the dispute is retried later.
        var (stuck, stuckInvoice) = (SignedEvents.NewId("pi"), Guid.CreateVersion7());
        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.DisputeCreated(account, stuck, 5000)));
        await Eventually.TrueAsync(async () => (await StoredAsync()).Any(e => e.OrderingKey == stuck && e.Attempts > 0), "the dispute to fail once");
        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, stuck, stuckInvoice, 5000)));
        var (other, otherInvoice) = (SignedEvents.NewId("pi"), Guid.CreateVersion7());
        Assert.Equal(HttpStatusCode.OK, await _payments.PostAsync(SignedEvents.PaymentIntent("payment_intent.succeeded", account, other, otherInvoice, 2500)));

        await Eventually.TrueAsync(async () => (await StoredAsync()).Any(e => e.OrderingKey == other && e.ProcessedAt != null), "the other payment to be worked");
        await Task.Delay(TimeSpan.FromSeconds(3));

        var held = (await StoredAsync()).Where(e => e.OrderingKey == stuck).ToDictionary(e => e.Type);
        Assert.Null(held["charge.dispute.created"].ProcessedAt);
        Assert.NotNull(held["charge.dispute.created"].LastError);
        Assert.Equal((null, 0), (held["payment_intent.succeeded"].ProcessedAt, held["payment_intent.succeeded"].Attempts));
        var paid = Assert.Single(await _payments.OutboxAsync<PaymentSucceeded>());
        Assert.Equal(otherInvoice, ((PaymentSucceeded)paid.ToEvent()).InvoiceId);
    }
}
