using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Time.Testing;
using OraServ.Testing;

namespace OraServ.Automation.Tests;

/// <summary>The rules API: the default rule, templates checked at save, preview on a real invoice, tenants kept apart.</summary>
[Collection(AutomationCollection.Name)]
public sealed class RulesApiTests(AutomationFixture fixture) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private AutomationHost _host = null!;

    public async Task InitializeAsync() =>
        _host = await AutomationHost.StartAsync(fixture.Servers, TestServers.NewDatabaseName("automation"), _clock);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static object SmsRule(string template, bool enabled = false, string @event = "invoice.overdue", int days = 1) => new
    {
        name = "Overdue nudge",
        trigger = new { @event, days },
        action = new { channel = "sms", template },
        enabled,
    };

    [Fact]
    public async Task A_new_tenant_starts_with_the_five_days_overdue_sms_rule_switched_off()
    {
        var dispatcher = _host.ClientFor(Guid.CreateVersion7());
        var first = await Task.WhenAll(dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"), dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"));
        var rule = Assert.Single(first[0]!);
        Assert.Equal(rule.Id, Assert.Single(first[1]!).Id);
        Assert.Equal(("invoice.overdue", 5, "sms", false), (rule.Trigger.Event, rule.Trigger.Days, rule.Action.Channel, rule.Enabled));
        Assert.Equal("Hey {{client.firstName}}, you have an invoice past due by 5 days. Click here to pay: {{invoice.link}}", rule.Action.Template);
        Assert.Single((await dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!);
    }

    [Fact]
    public async Task Rules_are_created_read_changed_and_deleted()
    {
        var dispatcher = _host.ClientFor(Guid.CreateVersion7());
        var created = await dispatcher.PostAsJsonAsync("/api/automations", new
        {
            name = "Due soon",
            trigger = new { @event = "invoice.due_in", days = 3 },
            action = new { channel = "email", template = "Hi {{ client.firstName }}, {{ invoice.number }} is due on {{ invoice.dueDate }}.", subject = "{{ business.name }}: invoice {{ invoice.number }}" },
            enabled = true,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = (await created.Content.ReadFromJsonAsync<RuleResponse>())!;
        Assert.Equal($"/api/automations/{rule.Id}", created.Headers.Location!.ToString());
        Assert.Equal(("invoice.due_in", 3, "email", true), (rule.Trigger.Event, rule.Trigger.Days, rule.Action.Channel, rule.Enabled));
        Assert.Equal("{{ business.name }}: invoice {{ invoice.number }}", (await dispatcher.GetFromJsonAsync<RuleResponse>($"/api/automations/{rule.Id}"))!.Action.Subject);

        var changed = await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", SmsRule("Overdue: {{ invoice.link }}", days: 15));
        var after = (await changed.Content.ReadFromJsonAsync<RuleResponse>())!;
        Assert.Equal(("invoice.overdue", 15, "sms", false, (string?)null), (after.Trigger.Event, after.Trigger.Days, after.Action.Channel, after.Enabled, after.Action.Subject));
        Assert.Equal(2, (await dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!.Count);

        Assert.Equal(HttpStatusCode.NoContent, (await dispatcher.DeleteAsync($"/api/automations/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await dispatcher.GetAsync($"/api/automations/{rule.Id}")).StatusCode);
    }

    [Fact]
    public async Task An_email_rule_saved_without_a_subject_gets_its_triggers_subject_and_a_subject_given_is_checked()
    {
        var tenant = Guid.CreateVersion7();
        var dispatcher = _host.ClientFor(tenant);
        // The documented shape of a rule: {name, trigger: {event, days}, action: {channel, template}, enabled}.
        var created = await dispatcher.PostAsJsonAsync("/api/automations", new
        {
            name = "Overdue by 2 days (email)",
            trigger = new { @event = "invoice.overdue", days = 2 },
            action = new { channel = "email", template = "Hi {{ client.firstName }}, please pay: {{ invoice.link }}" },
            enabled = false,
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = (await created.Content.ReadFromJsonAsync<RuleResponse>())!;
        Assert.Equal("Invoice {{ invoice.number }} from {{ business.name }} is overdue", rule.Action.Subject);

        var invoice = Invoices.Issued(tenant, Invoices.LocalDate(_clock.GetUtcNow()).AddDays(-2), _clock.GetUtcNow().AddDays(-32));
        await _host.PublishAsync(invoice);
        HttpResponseMessage response = null!;
        await Eventually.TrueAsync(async () =>
            (response = await dispatcher.PostAsJsonAsync($"/api/automations/{rule.Id}/preview", new { invoiceId = invoice.InvoiceId })).IsSuccessStatusCode, "the invoice in Automation");
        var preview = (await response.Content.ReadFromJsonAsync<PreviewResponse>())!;
        Assert.Equal(("email", "dana@example.com", "Invoice INV-000042 from Acme Plumbing is overdue"), (preview.Channel, preview.To, preview.Subject));

        // Moved to another trigger without a subject: that trigger's subject.
        var dueSoon = await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", new
        {
            name = "Due in 3 days (email)",
            trigger = new { @event = "invoice.due_in", days = 3 },
            action = new { channel = "email", template = "Hi {{ client.firstName }}, due soon: {{ invoice.link }}", subject = "  " },
            enabled = false,
        });
        Assert.Equal("Invoice {{ invoice.number }} from {{ business.name }} is due on {{ invoice.dueDate }}", (await dueSoon.Content.ReadFromJsonAsync<RuleResponse>())!.Action.Subject);

        var badSubject = await dispatcher.PutAsJsonAsync($"/api/automations/{rule.Id}", new
        {
            name = "Due in 3 days (email)",
            trigger = new { @event = "invoice.due_in", days = 3 },
            action = new { channel = "email", template = "Hi {{ client.firstName }}", subject = "Invoice {{ invoice.total }}\r\nBcc: x@example.com" },
            enabled = false,
        });
        Assert.Equal(HttpStatusCode.BadRequest, badSubject.StatusCode);
        var subjectErrors = (await badSubject.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors["action.subject"];
        Assert.Contains(subjectErrors, e => e.Contains("single line", StringComparison.Ordinal));
        Assert.Contains(subjectErrors, e => e.Contains("invoice.total", StringComparison.Ordinal));
        Assert.Equal("Hi {{ client.firstName }}, due soon: {{ invoice.link }}", (await dispatcher.GetFromJsonAsync<RuleResponse>($"/api/automations/{rule.Id}"))!.Action.Template);
    }

    [Fact]
    public async Task A_template_with_an_unknown_variable_is_refused_with_the_variables_that_exist()
    {
        var dispatcher = _host.ClientFor(Guid.CreateVersion7());
        var response = await dispatcher.PostAsJsonAsync("/api/automations", SmsRule("Hi {{ client.middleName }}, pay {{ invoice.total }}"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        var message = Assert.Single(problem.Errors["action.template"]);
        Assert.Contains("client.middleName", message);
        Assert.Contains("invoice.total", message);
        foreach (var variable in ReminderTemplates.Variables)
        {
            Assert.Contains("{{ " + variable + " }}", message);
        }
        Assert.Single((await dispatcher.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!);
    }

    [Fact]
    public async Task A_template_that_does_not_parse_is_refused()
    {
        var dispatcher = _host.ClientFor(Guid.CreateVersion7());
        var response = await dispatcher.PostAsJsonAsync("/api/automations", SmsRule("Hi {{ client.firstName "));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<ValidationProblemDetails>())!;
        Assert.Contains("{{ client.firstName }}", Assert.Single(problem.Errors["action.template"]));

        var wrong = await dispatcher.PostAsJsonAsync("/api/automations", new { name = "", trigger = new { @event = "invoice.lost", days = -1 }, action = new { channel = "fax", template = "" } });
        var errors = (await wrong.Content.ReadFromJsonAsync<ValidationProblemDetails>())!.Errors;
        Assert.Equal(["action.channel", "action.template", "name", "trigger.days", "trigger.event"], errors.Keys.Order());
    }

    [Fact]
    public async Task Preview_renders_the_rule_for_a_real_invoice_of_the_tenant()
    {
        var tenant = Guid.CreateVersion7();
        var dispatcher = _host.ClientFor(tenant);
        var rule = (await (await dispatcher.PostAsJsonAsync("/api/automations", SmsRule(
            "{{ business.name }}: {{ client.firstName }} {{ client.lastName }}, {{ invoice.number }} ({{ invoice.amountDue }}) was due {{ invoice.dueDate }}, {{ invoice.daysOverdue }} days ago. {{ invoice.link }}")))
            .Content.ReadFromJsonAsync<RuleResponse>())!;
        var today = Invoices.LocalDate(_clock.GetUtcNow());
        var invoice = Invoices.Issued(tenant, today.AddDays(-3), _clock.GetUtcNow().AddDays(-33), amountDue: 1234.5m);
        await _host.PublishAsync(invoice);

        HttpResponseMessage response = null!;
        await Eventually.TrueAsync(async () =>
            (response = await dispatcher.PostAsJsonAsync($"/api/automations/{rule.Id}/preview", new { invoiceId = invoice.InvoiceId })).IsSuccessStatusCode, "the invoice in Automation");
        var preview = (await response.Content.ReadFromJsonAsync<PreviewResponse>())!;
        var dueDate = invoice.DueDate.ToString("MMMM d, yyyy", System.Globalization.CultureInfo.GetCultureInfo("en-US"));
        Assert.Equal($"Acme Plumbing: Dana Reyes, INV-000042 ($1,234.50) was due {dueDate}, 3 days ago. https://pay.oraserv.test/pay/INV-000042", preview.Body);
        Assert.Equal(("sms", "+15551234567"), (preview.Channel, preview.To));
    }

    [Fact]
    public async Task Another_tenant_can_neither_read_nor_change_a_tenants_rules()
    {
        var tenantA = Guid.CreateVersion7();
        var a = _host.ClientFor(tenantA);
        var b = _host.ClientFor(Guid.CreateVersion7());
        var rule = (await (await a.PostAsJsonAsync("/api/automations", SmsRule("A: {{ invoice.link }}"))).Content.ReadFromJsonAsync<RuleResponse>())!;
        var invoice = Invoices.Issued(tenantA, Invoices.LocalDate(_clock.GetUtcNow()), _clock.GetUtcNow());
        await _host.PublishAsync(invoice);
        await Eventually.TrueAsync(async () => (await a.PostAsJsonAsync($"/api/automations/{rule.Id}/preview", new { invoiceId = invoice.InvoiceId })).IsSuccessStatusCode, "tenant A's invoice");

        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/automations/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PutAsJsonAsync($"/api/automations/{rule.Id}", SmsRule("B was here"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/automations/{rule.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync($"/api/automations/{rule.Id}/preview", new { invoiceId = invoice.InvoiceId })).StatusCode);
        Assert.DoesNotContain((await b.GetFromJsonAsync<List<RuleResponse>>("/api/automations"))!, r => r.Id == rule.Id);
        Assert.Empty((await b.GetFromJsonAsync<List<ReminderResponse>>($"/api/automations/reminders?invoiceId={invoice.InvoiceId}"))!);
        Assert.Equal("A: {{ invoice.link }}", (await a.GetFromJsonAsync<RuleResponse>($"/api/automations/{rule.Id}"))!.Action.Template);
    }

    [Fact]
    public async Task Technicians_cannot_manage_automations()
    {
        var technician = _host.ClientFor(Guid.CreateVersion7(), role: "technician");
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync("/api/automations")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.CreateClient().GetAsync("/api/automations")).StatusCode);
    }

    [Fact]
    public async Task The_do_not_remind_switch_is_kept_per_client()
    {
        var dispatcher = _host.ClientFor(Guid.CreateVersion7());
        var client = Guid.CreateVersion7();
        Assert.False((await dispatcher.GetFromJsonAsync<ClientPreferenceResponse>($"/api/automations/clients/{client}/do-not-remind"))!.DoNotRemind);
        (await dispatcher.PutAsJsonAsync($"/api/automations/clients/{client}/do-not-remind", new { doNotRemind = true })).EnsureSuccessStatusCode();
        Assert.True((await dispatcher.GetFromJsonAsync<ClientPreferenceResponse>($"/api/automations/clients/{client}/do-not-remind"))!.DoNotRemind);
        Assert.False((await _host.ClientFor(Guid.CreateVersion7()).GetFromJsonAsync<ClientPreferenceResponse>($"/api/automations/clients/{client}/do-not-remind"))!.DoNotRemind);
        Assert.Equal(HttpStatusCode.BadRequest, (await dispatcher.PutAsJsonAsync($"/api/automations/clients/{client}/do-not-remind", new { })).StatusCode);
    }
}
