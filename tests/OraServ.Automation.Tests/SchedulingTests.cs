using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.EntityFrameworkCore;
using OraServ.Contracts;
using OraServ.Testing;

namespace OraServ.Automation.Tests;

/// <summary>Reminders on real PostgreSQL and RabbitMQ with a clock the test moves: on time, once, never to a paid invoice.</summary>
[Collection(AutomationCollection.Name)]
public sealed class SchedulingTests(AutomationFixture fixture) : IAsyncLifetime
{
    private readonly string _database = TestServers.NewDatabaseName("automation");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly List<AutomationHost> _hosts = [];
    private readonly Guid _tenant = Guid.CreateVersion7();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private async Task<AutomationHost> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var host = await AutomationHost.StartAsync(fixture.Servers, _database, _clock, settings);
        _hosts.Add(host);
        return host;
    }

    private async Task StopAsync(AutomationHost host)
    {
        _hosts.Remove(host);
        await host.DisposeAsync();
    }

    /// <summary>Switches on the tenant's default rule (5 days overdue, SMS), as a dispatcher does in the settings.</summary>
    private static async Task<RuleResponse> EnableDefaultRuleAsync(HttpClient dispatcher)
    {
        var rule = Assert.Single((await dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!);
        var update = await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", new
        {
            name = rule.Name,
            trigger = new { @event = rule.Trigger.Event, days = rule.Trigger.Days },
            action = new { channel = rule.Action.Channel, template = rule.Action.Template },
            enabled = true,
        });
        update.EnsureSuccessStatusCode();
        return (await update.Content.ReadFromJsonAsync<RuleResponse>())!;
    }

    /// <summary>An invoice due tomorrow (tenant's calendar), issued now; its 5-days-overdue SMS is due at 09:00 local five days after.</summary>
    private async Task<(InvoiceIssued Invoice, DateTimeOffset DueAt)> IssueAsync(AutomationHost host, Guid? clientId = null)
    {
        var now = _clock.GetUtcNow();
        var invoice = Invoices.Issued(_tenant, Invoices.LocalDate(now).AddDays(1), now, clientId: clientId);
        await host.PublishAsync(invoice);
        return (invoice, Invoices.Local(invoice.DueDate.AddDays(5), 9));
    }

    private const string ExpectedText = "Hey Dana, you have an invoice past due by 5 days. Click here to pay: https://pay.oraserv.test/pay/INV-000042";

    [Fact]
    public async Task An_invoice_five_days_overdue_gets_exactly_one_sms_with_the_rendered_text_and_its_link()
    {
        var host = await StartAsync();
        var rule = await EnableDefaultRuleAsync(host.ClientFor(_tenant));
        var (invoice, dueAt) = await IssueAsync(host);
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Pending);
        Assert.Equal(dueAt, (await Invoices.ReminderAsync(host, invoice.InvoiceId))!.DueAt);

        await host.TickAtAsync(dueAt.AddMinutes(-1));
        Assert.Empty(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));

        await host.TickAtAsync(dueAt);
        var sms = Assert.Single(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));
        Assert.Equal(ExpectedText, sms.Body);
        Assert.Equal("+15551234567", sms.To);
        Assert.Equal(rule.Id, sms.RuleId);
        Assert.Equal(_tenant, sms.TenantId);

        // Through the outbox relay to the broker, once, and never again on later ticks.
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Sent.Received<SendSms>().Any(m => m.InvoiceId == invoice.InvoiceId)), "the SendSms on the bus");
        await host.TickAtAsync(dueAt.AddDays(1));
        await host.TickAtAsync(dueAt.AddDays(10));
        await Task.Delay(1500);
        Assert.Equal(ExpectedText, Assert.Single(fixture.Sent.Received<SendSms>(), m => m.InvoiceId == invoice.InvoiceId).Body);
        Assert.Single(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));
        Assert.Equal(ReminderStatus.Sent, (await Invoices.ReminderAsync(host, invoice.InvoiceId))!.Status);
    }

    [Fact]
    public async Task A_restart_between_scheduling_and_sending_does_not_double_the_reminder()
    {
        var first = await StartAsync();
        var (invoice, dueAt) = await IssueAsync(first);
        await Eventually.TrueAsync(async () => (await first.ClientFor(_tenant).GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!.Count == 1, "the default rule");
        // Switched on after the invoice exists: the rule plans for the open invoices already there.
        await EnableDefaultRuleAsync(first.ClientFor(_tenant));
        await Invoices.WaitForReminderAsync(first, invoice.InvoiceId, ReminderStatus.Pending);
        await StopAsync(first);

        var second = await StartAsync();
        await second.TickAtAsync(dueAt.AddMinutes(1));
        Assert.Single(await Invoices.OutboxSmsAsync(second, invoice.InvoiceId));
        await StopAsync(second);

        var third = await StartAsync();
        await third.TickAtAsync(dueAt.AddDays(2));
        Assert.Equal(ExpectedText, Assert.Single(await Invoices.OutboxSmsAsync(third, invoice.InvoiceId)).Body);
    }

    [Fact]
    public async Task The_service_down_across_the_due_time_sends_one_reminder_when_it_is_back()
    {
        var first = await StartAsync();
        await EnableDefaultRuleAsync(first.ClientFor(_tenant));
        var (invoice, dueAt) = await IssueAsync(first);
        await Invoices.WaitForReminderAsync(first, invoice.InvoiceId, ReminderStatus.Pending);
        await StopAsync(first);

        // Down from before the due time until three days after it (at 10:00 local, outside quiet hours).
        _clock.SetUtcNow(dueAt.AddDays(3).AddHours(1));
        var back = await StartAsync();
        await back.TickedAsync(_clock.GetUtcNow());
        Assert.Equal(ExpectedText, Assert.Single(await Invoices.OutboxSmsAsync(back, invoice.InvoiceId)).Body);
        await back.TickAtAsync(_clock.GetUtcNow().AddHours(1));
        Assert.Single(await Invoices.OutboxSmsAsync(back, invoice.InvoiceId));
    }

    [Fact]
    public async Task Three_instances_running_at_once_do_not_double_any_reminder()
    {
        // Small batches, so the three instances claim due rows side by side (OraServ:ScaleOut=3 in the app host).
        var settings = new Dictionary<string, string> { ["Automation:BatchSize"] = "3" };
        var a = await StartAsync(settings);
        var b = await StartAsync(settings);
        var c = await StartAsync(settings);
        AutomationHost[] instances = [a, b, c];
        await EnableDefaultRuleAsync(a.ClientFor(_tenant));
        var invoices = new List<InvoiceIssued>();
        DateTimeOffset dueAt = default;
        for (var i = 0; i < 30; i++)
        {
            var (invoice, due) = await IssueAsync(instances[i % instances.Length]);
            invoices.Add(invoice);
            dueAt = due;
        }
        foreach (var invoice in invoices)
        {
            await Invoices.WaitForReminderAsync(a, invoice.InvoiceId, ReminderStatus.Pending);
        }

        _clock.SetUtcNow(dueAt);
        await Task.WhenAll(instances.Select(instance => instance.TickedAsync(dueAt)));
        await Eventually.TrueAsync(async () => (await Invoices.OutboxSmsAsync(a)).Count >= invoices.Count, "every reminder sent");
        await a.TickAtAsync(dueAt.AddHours(1));
        await Task.WhenAll(b.TickedAsync(dueAt.AddHours(1)), c.TickedAsync(dueAt.AddHours(1)));

        var sent = await Invoices.OutboxSmsAsync(a);
        Assert.Equal(invoices.Count, sent.Count);
        Assert.Equal(invoices.Select(i => i.InvoiceId).Order(), sent.Select(s => s.InvoiceId!.Value).Order());
        await Eventually.TrueAsync(() => Task.FromResult(invoices.All(i => fixture.Sent.Received<SendSms>().Any(m => m.InvoiceId == i.InvoiceId))), "every SendSms on the bus");
        await Task.Delay(1000);
        Assert.All(invoices, i => Assert.Single(fixture.Sent.Received<SendSms>(), m => m.InvoiceId == i.InvoiceId));
    }

    [Fact]
    public async Task An_invoice_paid_on_day_four_gets_nothing_on_day_five()
    {
        var host = await StartAsync();
        await EnableDefaultRuleAsync(host.ClientFor(_tenant));
        var (invoice, dueAt) = await IssueAsync(host);
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Pending);

        await host.TickAtAsync(dueAt.AddDays(-1).AddHours(3));
        await host.PublishAsync(new InvoicePaid
        {
            TenantId = _tenant, InvoiceId = invoice.InvoiceId, Number = invoice.Number, AmountPaid = invoice.Total, Currency = "USD",
            PaidAt = _clock.GetUtcNow(), OccurredAt = _clock.GetUtcNow(),
        });
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Cancelled);

        await host.TickAtAsync(dueAt.AddHours(1));
        Assert.Empty(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));
        Assert.Equal("invoice_paid", (await Invoices.ReminderAsync(host, invoice.InvoiceId))!.Reason);
    }

    [Fact]
    public async Task A_disputed_invoice_gets_no_reminder_even_when_the_dispute_arrives_before_the_invoice()
    {
        var host = await StartAsync();
        await EnableDefaultRuleAsync(host.ClientFor(_tenant));
        var (invoice, dueAt) = await IssueAsync(host);
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Pending);
        var overtaken = Invoices.Issued(_tenant, invoice.DueDate, _clock.GetUtcNow(), number: "INV-000043");

        await host.PublishAsync(Disputed(invoice));
        await host.PublishAsync(Disputed(overtaken));
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Cancelled);
        await Eventually.TrueAsync(() => InvoiceViewAsync(host, overtaken.InvoiceId, i => i.Disputed), "the dispute of an invoice not issued yet");
        await host.PublishAsync(overtaken);
        await Eventually.TrueAsync(() => InvoiceViewAsync(host, overtaken.InvoiceId, i => i.Issued), "the invoice issued after its dispute");

        await host.TickAtAsync(dueAt.AddHours(1));
        Assert.Empty(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));
        Assert.Empty(await Invoices.OutboxSmsAsync(host, overtaken.InvoiceId));
        var cancelled = (await Invoices.ReminderAsync(host, invoice.InvoiceId))!;
        Assert.Equal((ReminderStatus.Cancelled, "invoice_disputed"), (cancelled.Status, cancelled.Reason));
        Assert.Null(await Invoices.ReminderAsync(host, overtaken.InvoiceId));
    }

    private PaymentDisputed Disputed(InvoiceIssued invoice) => new()
    {
        TenantId = _tenant, DisputeId = "du_" + Guid.NewGuid().ToString("N"), PaymentId = "pi_" + Guid.NewGuid().ToString("N"), ChargeId = "ch_1",
        InvoiceId = invoice.InvoiceId, Amount = 100m, Currency = "USD", Reason = "fraudulent", Status = "needs_response", OccurredAt = _clock.GetUtcNow(),
    };

    private static async Task<bool> InvoiceViewAsync(AutomationHost host, Guid invoiceId, Func<InvoiceView, bool> condition)
    {
        await using var db = AutomationHost.Context(host.ConnectionString);
        return await db.Invoices.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(i => i.Id == invoiceId) is { } view && condition(view);
    }

    [Fact]
    public async Task Quiet_hours_defer_an_sms_to_eight_in_the_morning_local_time()
    {
        var host = await StartAsync();
        var dispatcher = host.ClientFor(_tenant);
        (await dispatcher.PostAsJsonAsync("/api/automations", new
        {
            name = "Thanks for your business",
            trigger = new { @event = "invoice.issued", days = 0 },
            action = new { channel = "sms", template = "Hi {{ client.firstName }}, invoice {{ invoice.number }} for {{ invoice.amountDue }}: {{ invoice.link }}" },
            enabled = true,
        })).EnsureSuccessStatusCode();

        // Issued at 22:30 in Chicago.
        var today = Invoices.LocalDate(_clock.GetUtcNow());
        var lateEvening = Invoices.Local(today.AddDays(1), 22, 30);
        _clock.SetUtcNow(lateEvening);
        var invoice = Invoices.Issued(_tenant, today.AddDays(30), lateEvening);
        await host.PublishAsync(invoice);
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Pending);

        await host.TickAtAsync(lateEvening.AddMinutes(1));
        var morning = Invoices.Local(today.AddDays(2), 8);
        var deferred = (await Invoices.ReminderAsync(host, invoice.InvoiceId))!;
        Assert.Equal((ReminderStatus.Pending, "quiet_hours", morning), (deferred.Status, deferred.Reason, deferred.DueAt));
        await host.TickAtAsync(morning.AddMinutes(-1));
        Assert.Empty(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));

        await host.TickAtAsync(morning);
        var sms = Assert.Single(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));
        Assert.Equal("Hi Dana, invoice INV-000042 for $1,234.50: https://pay.oraserv.test/pay/INV-000042", sms.Body);
    }

    [Fact]
    public async Task A_client_marked_do_not_remind_gets_no_reminder()
    {
        var host = await StartAsync();
        var dispatcher = host.ClientFor(_tenant);
        await EnableDefaultRuleAsync(dispatcher);
        var clientId = Guid.CreateVersion7();
        var (invoice, dueAt) = await IssueAsync(host, clientId);
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Pending);
        (await dispatcher.PutAsJsonAsync($"/api/automations/clients/{clientId}/do-not-remind", new { doNotRemind = true })).EnsureSuccessStatusCode();

        await host.TickAtAsync(dueAt.AddMinutes(5));
        Assert.Empty(await Invoices.OutboxSmsAsync(host, invoice.InvoiceId));
        var reminder = (await Invoices.ReminderAsync(host, invoice.InvoiceId))!;
        Assert.Equal((ReminderStatus.Skipped, "do_not_remind"), (reminder.Status, reminder.Reason));
    }

    [Fact]
    public async Task A_voided_invoice_and_a_switched_off_rule_send_nothing()
    {
        var host = await StartAsync();
        var dispatcher = host.ClientFor(_tenant);
        var rule = await EnableDefaultRuleAsync(dispatcher);
        var (voided, dueAt) = await IssueAsync(host);
        var (kept, _) = await IssueAsync(host);
        await Invoices.WaitForReminderAsync(host, voided.InvoiceId, ReminderStatus.Pending);
        await Invoices.WaitForReminderAsync(host, kept.InvoiceId, ReminderStatus.Pending);
        await host.PublishAsync(new InvoiceVoided { TenantId = _tenant, InvoiceId = voided.InvoiceId, Number = voided.Number });
        await Invoices.WaitForReminderAsync(host, voided.InvoiceId, ReminderStatus.Cancelled);

        (await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", new
        {
            name = rule.Name, trigger = new { @event = "invoice.overdue", days = 5 }, action = new { channel = "sms", template = rule.Action.Template }, enabled = false,
        })).EnsureSuccessStatusCode();
        Assert.Equal(ReminderStatus.Cancelled, (await Invoices.ReminderAsync(host, kept.InvoiceId))!.Status);

        await host.TickAtAsync(dueAt.AddHours(2));
        Assert.Empty(await Invoices.OutboxSmsAsync(host));
    }

    [Fact]
    public async Task A_failed_payment_sends_its_email_once_and_a_due_soon_step_is_planned_before_the_due_date()
    {
        var host = await StartAsync();
        var dispatcher = host.ClientFor(_tenant);
        var failed = (await (await dispatcher.PostAsJsonAsync("/api/automations", new
        {
            name = "Card declined",
            trigger = new { @event = "payment.failed", days = 0 },
            action = new { channel = "email", subject = "{{ business.name }}: invoice {{ invoice.number }}", template = "Hi {{ client.firstName }}, your payment of {{ invoice.amountDue }} did not go through. Try again: {{ invoice.link }}" },
        })).Content.ReadFromJsonAsync<RuleResponse>())!;
        var dueSoon = (await (await dispatcher.PostAsJsonAsync("/api/automations", new
        {
            name = "Due in 3 days",
            trigger = new { @event = "invoice.due_in", days = 3 },
            action = new { channel = "sms", template = "{{ invoice.number }} is due on {{ invoice.dueDate }}." },
        })).Content.ReadFromJsonAsync<RuleResponse>())!;
        var now = _clock.GetUtcNow();
        var invoice = Invoices.Issued(_tenant, Invoices.LocalDate(now).AddDays(10), now);
        await host.PublishAsync(invoice);
        await Invoices.WaitForReminderAsync(host, invoice.InvoiceId, ReminderStatus.Pending);
        await using (var db = AutomationHost.Context(host.ConnectionString))
        {
            var planned = await db.Reminders.IgnoreQueryFilters().SingleAsync(r => r.RuleId == dueSoon.Id);
            Assert.Equal(Invoices.Local(invoice.DueDate.AddDays(-3), 9), planned.DueAt);
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            await host.PublishAsync(new PaymentFailed
            {
                TenantId = _tenant, InvoiceId = invoice.InvoiceId, PaymentId = $"pi_{attempt}", Amount = invoice.Total, Currency = "USD", Reason = "card_declined",
                OccurredAt = _clock.GetUtcNow(),
            });
            await Eventually.TrueAsync(async () =>
            {
                await using var db = AutomationHost.Context(host.ConnectionString);
                return await db.Reminders.IgnoreQueryFilters().AnyAsync(r => r.RuleId == failed.Id);
            }, "the payment.failed reminder");
            await host.TickAtAsync(_clock.GetUtcNow().AddMinutes(1));
        }

        await using (var db = AutomationHost.Context(host.ConnectionString))
        {
            var emails = (await db.OutboxMessages.Where(m => m.Type == typeof(SendEmail).FullName).ToListAsync()).Select(m => (SendEmail)m.ToEvent()).ToList();
            var email = Assert.Single(emails);
            Assert.Equal(("dana@example.com", "Acme Plumbing: invoice INV-000042"), (email.To, email.Subject));
            Assert.Equal("Hi Dana, your payment of $1,234.50 did not go through. Try again: https://pay.oraserv.test/pay/INV-000042", email.Body);
        }
    }
}
