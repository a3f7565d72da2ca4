using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OraServ.Contracts;
using OraServ.Invoicing;
using OraServ.ServiceDefaults;
using OraServ.Testing;

namespace OraServ.FunctionalTests;

[Collection(MoneyPathCollection.Name)]
public sealed class InvoicingTests(MoneyPathFixture fixture)
{
    private static readonly JsonSerializerOptions Json = ApiDefaultsExtensions.Json;

    [Fact]
    public async Task Invoice_Job_builds_a_draft_with_the_jobs_lines_and_totals_rounded_half_away_from_zero()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        (await api.PutAsJsonAsync("/api/invoices/settings", new { taxRate = 0.08m })).EnsureSuccessStatusCode();
        var jobId = await fixture.CompletedJobAsync(tenant);

        var response = await api.PostAsJsonAsync("/api/invoices", new { jobId });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var invoice = (await response.Content.ReadFromJsonAsync<InvoiceResponse>(Json))!;
        Assert.Equal("draft", invoice.Status);
        Assert.Null(invoice.Number);
        Assert.Equal(jobId, invoice.JobId);
        Assert.Equal("Dana", invoice.Client.FirstName);
        Assert.Equal(["Install water heater", "50 gal water heater", "Flex connectors", "Disposal fee"], invoice.Lines.Select(l => l.Description));
        Assert.Equal([237.50m, 649.99m, 37.04m, 35.00m], invoice.Lines.Select(l => l.Amount));
        Assert.Equal(959.53m, invoice.Subtotal);
        Assert.Equal(54.96m, invoice.Tax); // 649.99 x 8% = 51.9992 -> 52.00; 37.04 x 8% = 2.9632 -> 2.96
        Assert.Equal(1014.49m, invoice.Total);
        Assert.Equal(1014.49m, invoice.AmountDue);
        Assert.Equal("USD", invoice.Currency);
    }

    [Fact]
    public async Task Ten_concurrent_Invoice_Job_calls_for_one_job_give_one_invoice()
    {
        var tenant = Guid.CreateVersion7();
        var jobId = await fixture.CompletedJobAsync(tenant);
        var api = fixture.Invoicing.ClientFor(tenant, "dispatcher");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => api.PostAsJsonAsync("/api/invoices", new { jobId })));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<InvoiceResponse>(Json))!.Id));
        Assert.Single(ids.Distinct());
        var all = await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices", Json);
        Assert.Single(all!);
    }

    [Fact]
    public async Task Fifty_concurrent_sends_in_one_tenant_get_fifty_consecutive_numbers()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant, "dispatcher");
        var drafts = new List<Guid>();
        for (var i = 0; i < 50; i++)
        {
            var jobId = await fixture.CompletedJobAsync(tenant);
            drafts.Add((await (await api.PostAsJsonAsync("/api/invoices", new { jobId })).Content.ReadFromJsonAsync<InvoiceResponse>(Json))!.Id);
        }

        var sent = await Task.WhenAll(drafts.Select(async id =>
            await (await api.PostAsJsonAsync($"/api/invoices/{id}/send", new { terms = "net_30" })).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<InvoiceResponse>(Json)));

        var numbers = sent.Select(i => i!.Number!).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 50).Select(n => $"INV-{n:D6}"), numbers);
        Assert.All(sent, i => Assert.Equal("open", i!.Status));
    }

    [Fact]
    public async Task Sending_an_invoice_twice_assigns_one_number_and_due_date_follows_the_terms()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        var jobId = await fixture.CompletedJobAsync(tenant);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        var first = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_15" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        var second = await (await api.PostAsJsonAsync($"/api/invoices/{draft.Id}/send", new { terms = "net_60" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        Assert.Equal("INV-000001", first!.Number);
        Assert.Equal(first.Number, second!.Number);
        Assert.Equal(first.PayUrl, second.PayUrl);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")).DateTime);
        Assert.Equal(today.AddDays(15), second.DueDate);
        Assert.Equal("net_15", second.Terms);
        Assert.Matches("^http://127.0.0.1:8080/pay/[A-Za-z0-9_-]{43}$", first.PayUrl!);
        Assert.NotNull(first.IssuedAt);

        var issued = await OutboxEventsAsync<InvoiceIssued>(tenant);
        var evt = Assert.Single(issued);
        Assert.Equal(first.Number, evt.Number);
        Assert.Equal(first.PayUrl, evt.PayUrl);
        Assert.Equal(first.Total, evt.AmountDue);
        Assert.Equal("dana@example.com", evt.Client.Email);
    }

    [Fact]
    public async Task Sending_a_void_invoice_is_refused_and_it_stays_void()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var api = fixture.Invoicing.ClientFor(tenant);
        (await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/void", new { })).EnsureSuccessStatusCode();

        var response = await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/send", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("void invoice cannot be sent", (await response.Content.ReadFromJsonAsync<Microsoft.AspNetCore.Mvc.ProblemDetails>())!.Detail);
        var after = await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{invoice.Id}", Json);
        Assert.Equal(("void", invoice.Number), (after!.Status, after.Number));
        Assert.Single(await OutboxEventsAsync<InvoiceIssued>(tenant));
    }

    [Fact]
    public async Task Ten_concurrent_sends_of_one_draft_give_it_one_number_and_one_InvoiceIssued_and_the_next_invoice_the_next_number()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant, "dispatcher");
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId = await fixture.CompletedJobAsync(tenant) })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        var sent = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_15" })).EnsureSuccessStatusCode()
                .Content.ReadFromJsonAsync<InvoiceResponse>(Json)));

        Assert.All(sent, i => Assert.Equal(("INV-000001", "open", sent[0]!.PayUrl), (i!.Number, i.Status, i.PayUrl)));
        var issued = Assert.Single(await OutboxEventsAsync<InvoiceIssued>(tenant));
        Assert.Equal(("INV-000001", sent[0]!.PayUrl), (issued.Number, issued.PayUrl));
        var next = await SentInvoiceAsync(tenant);
        Assert.Equal("INV-000002", next.Number);
    }

    [Fact]
    public async Task Invoice_numbers_keep_counting_past_six_digits()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        (await api.PutAsJsonAsync("/api/invoices/settings", new { invoicePrefix = "N/" })).EnsureSuccessStatusCode();
        await using (var scope = fixture.Invoicing.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<InvoicingDbContext>().Database
                .ExecuteSqlAsync($"UPDATE tenant_settings SET next_number = 999999 WHERE tenant_id = {tenant}");
        }

        var first = await SentInvoiceAsync(tenant);
        var second = await SentInvoiceAsync(tenant);

        Assert.Equal(("N/999999", "N/1000000"), (first.Number, second.Number));
        Assert.Equal(["N/1000000", "N/999999"], (await OutboxEventsAsync<InvoiceIssued>(tenant)).Select(e => e.Number).Order(StringComparer.Ordinal));
        var settings = await api.GetFromJsonAsync<SettingsResponse>("/api/invoices/settings", Json);
        Assert.Equal(1_000_001, settings!.NextNumber);
    }

    [Fact]
    public async Task An_invoice_totalling_zero_is_paid_when_sent_and_both_its_events_carry_its_number()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        var jobId = await fixture.CompletedJobAsync(tenant, new { kind = "service", description = "Warranty call-out", quantity = 1m, unitPrice = 0m, taxable = false });
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        var sent = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        Assert.Equal(("INV-000001", "paid", 0m), (sent!.Number, sent.Status, sent.AmountDue));
        Assert.NotNull(sent.PaidAt);
        Assert.Equal("INV-000001", Assert.Single(await OutboxEventsAsync<InvoiceIssued>(tenant)).Number);
        Assert.Equal("INV-000001", Assert.Single(await OutboxEventsAsync<InvoicePaid>(tenant)).Number);
        var reloaded = await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{draft.Id}", Json);
        Assert.Equal(("INV-000001", "paid"), (reloaded!.Number, reloaded.Status));
    }

    [Fact]
    public async Task Invoice_Job_builds_the_draft_from_the_JobCompleted_snapshot_without_asking_Jobs()
    {
        var tenant = Guid.CreateVersion7();
        // A job Jobs does not know: only the event describes it, so asking Jobs would answer "No such job".
        var completed = new JobCompleted
        {
            TenantId = tenant, JobId = Guid.CreateVersion7(), Title = "Boiler service", Currency = "USD", CompletedAt = DateTimeOffset.UtcNow,
            Client = new ClientContact { ClientId = Guid.CreateVersion7(), FirstName = "Sam", LastName = "Okafor", Email = "sam@example.com" },
            Lines = [new JobLine { Kind = "service", Description = "Annual boiler service", Quantity = 1m, UnitPrice = 180m, Taxable = false }],
        };
        await fixture.Invoicing.Services.GetRequiredService<IBus>().Publish(completed);
        await SnapshotStoredAsync(completed.JobId);
        var api = fixture.Invoicing.ClientFor(tenant);

        var first = await api.PostAsJsonAsync("/api/invoices", new { jobId = completed.JobId });
        var again = await api.PostAsJsonAsync("/api/invoices", new { jobId = completed.JobId });

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK), (first.StatusCode, again.StatusCode));
        var draft = (await first.Content.ReadFromJsonAsync<InvoiceResponse>(Json))!;
        Assert.Equal(("Sam", "Boiler service", 180m), (draft.Client.FirstName, draft.JobTitle, draft.Total));
        Assert.Equal(["Annual boiler service"], draft.Lines.Select(l => l.Description));
        Assert.Equal(draft.Id, (await again.Content.ReadFromJsonAsync<InvoiceResponse>(Json))!.Id);
        Assert.Single((await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices", Json))!);
    }

    [Fact]
    public async Task The_issued_event_carries_the_time_zone_of_the_tenants_calendar()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant, timeZone: "Asia/Tokyo");
        var jobId = await fixture.CompletedJobAsync(tenant);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        var sent = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_7" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        var evt = Assert.Single(await OutboxEventsAsync<InvoiceIssued>(tenant));
        Assert.Equal("Asia/Tokyo", evt.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).DateTime);
        Assert.Equal((today.AddDays(7), today.AddDays(7)), (sent!.DueDate, evt.DueDate));
    }

    [Fact]
    public async Task An_explicit_past_due_date_makes_the_invoice_overdue_and_filters_find_it()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        var jobId = await fixture.CompletedJobAsync(tenant);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        var sent = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { dueDate = "2026-01-15" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        Assert.Equal("overdue", sent!.Status);
        Assert.Equal(new DateOnly(2026, 1, 15), sent.DueDate);
        Assert.Single((await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices?status=overdue", Json))!);
        Assert.Empty((await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices?status=open", Json))!);
        Assert.Empty((await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices?status=draft", Json))!);
    }

    [Fact]
    public async Task An_issued_invoice_is_immutable_and_a_draft_deleted_leaves_no_gap()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        var deleted = await (await api.PostAsJsonAsync("/api/invoices", new { jobId = await fixture.CompletedJobAsync(tenant) })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/invoices/{deleted!.Id}")).StatusCode);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId = await fixture.CompletedJobAsync(tenant) })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        var sent = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        Assert.Equal("INV-000001", sent!.Number);

        var edit = await api.PutAsJsonAsync($"/api/invoices/{draft.Id}", new { notes = "changed" });

        Assert.Equal(HttpStatusCode.Conflict, edit.StatusCode);
        Assert.Equal("application/problem+json", edit.Content.Headers.ContentType?.MediaType);
        var reloaded = await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{draft.Id}", Json);
        Assert.Equal(sent.Notes, reloaded!.Notes);
    }

    [Fact]
    public async Task Bad_input_answers_problem_details_naming_the_field_and_writes_nothing()
    {
        var tenant = Guid.CreateVersion7();
        var jobs = fixture.Jobs.ClientFor(tenant);
        var api = fixture.Invoicing.ClientFor(tenant);
        var client = await (await jobs.PostAsJsonAsync("/api/clients", new { firstName = "Ann", lastName = "Lee", phone = "+15550001111" })).Content.ReadFromJsonAsync<MoneyPathFixture.Json>();
        var scheduled = await (await jobs.PostAsJsonAsync("/api/jobs", new { clientId = client!.Id, title = "Not done yet", lineItems = MoneyPathFixture.DefaultLines })).Content.ReadFromJsonAsync<MoneyPathFixture.Json>();

        await AssertFieldError(await api.PostAsJsonAsync("/api/invoices", new { jobId = scheduled!.Id }), "jobId");
        await AssertFieldError(await api.PostAsJsonAsync("/api/invoices", new { jobId = Guid.CreateVersion7() }), "jobId");
        await AssertFieldError(await api.PostAsJsonAsync("/api/invoices", new { }), "jobId");
        await AssertFieldError(await jobs.PostAsJsonAsync("/api/jobs", new { clientId = client!.Id, title = "x", lineItems = new[] { new { kind = "labor", description = "x", quantity = -1m, unitPrice = 10m } } }), "lineItems[0].quantity");
        await AssertFieldError(await jobs.PostAsJsonAsync("/api/jobs", new { clientId = client!.Id, title = "x", lineItems = new[] { new { kind = "labor", description = "x", quantity = 1m, unitPrice = 1e12m } } }), "lineItems[0].unitPrice");
        await AssertFieldError(await jobs.PostAsJsonAsync("/api/jobs", new { clientId = client!.Id, title = "x", lineItems = new[] { new { kind = "gold", description = "x", quantity = 1m, unitPrice = 1m } } }), "lineItems[0].kind");
        await AssertFieldError(await jobs.PostAsJsonAsync("/api/clients", new { firstName = "A", lastName = "B", phone = "555-1234" }), "phone");
        var job = await fixture.CompletedJobAsync(tenant);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId = job })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        await AssertFieldError(await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_45" }), "terms");

        var invoices = await api.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices", Json);
        Assert.Equal([draft.Id], invoices!.Select(i => i.Id));
        Assert.Null(invoices![0].Number);
    }

    [Fact]
    public async Task Another_tenants_invoice_answers_404_and_stays_unchanged()
    {
        var tenantA = Guid.CreateVersion7();
        var a = fixture.Invoicing.ClientFor(tenantA);
        var draft = await (await a.PostAsJsonAsync("/api/invoices", new { jobId = await fixture.CompletedJobAsync(tenantA) })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        var b = fixture.Invoicing.ClientFor(Guid.CreateVersion7());

        Assert.Equal(HttpStatusCode.NotFound, (await b.GetAsync($"/api/invoices/{draft!.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync($"/api/invoices/{draft.Id}/send", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.PostAsJsonAsync($"/api/invoices/{draft.Id}/void", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await b.DeleteAsync($"/api/invoices/{draft.Id}")).StatusCode);
        Assert.Empty((await b.GetFromJsonAsync<List<InvoiceResponse>>("/api/invoices", Json))!);
        await AssertFieldError(await b.PostAsJsonAsync("/api/invoices", new { jobId = draft.JobId }), "jobId");

        var unchanged = await a.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{draft.Id}", Json);
        Assert.Equal("draft", unchanged!.Status);
    }

    [Fact]
    public async Task A_PaymentSucceeded_delivered_three_times_is_applied_once()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var payment = new PaymentSucceeded { TenantId = tenant, PaymentId = "pi_" + Guid.NewGuid().ToString("N"), InvoiceId = invoice.Id, Amount = 100m, Currency = "USD", Method = "card", PaidAt = DateTimeOffset.UtcNow };
        var bus = fixture.Invoicing.Services.GetRequiredService<IBus>();

        await bus.Publish(payment, c => c.MessageId = payment.EventId);
        await bus.Publish(payment, c => c.MessageId = payment.EventId);
        await bus.Publish(payment with { EventId = Guid.CreateVersion7() }, c => c.MessageId = Guid.CreateVersion7());

        var api = fixture.Invoicing.ClientFor(tenant);
        var applied = await EventuallyAsync(api, invoice.Id, i => i.AmountPaid > 0);
        await Task.Delay(1500);
        var after = await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{invoice.Id}", Json);
        Assert.Equal(100m, after!.AmountPaid);
        Assert.Equal(invoice.Total - 100m, after.AmountDue);
        Assert.Equal("open", after.Status);
        Assert.Single(after.Payments);
        Assert.Equal(applied.AmountPaid, after.AmountPaid);
    }

    [Fact]
    public async Task A_partial_then_a_final_payment_marks_the_invoice_paid_and_a_refund_reopens_it()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var bus = fixture.Invoicing.Services.GetRequiredService<IBus>();
        var api = fixture.Invoicing.ClientFor(tenant);

        await bus.Publish(new PaymentSucceeded { TenantId = tenant, PaymentId = "pi_partial", InvoiceId = invoice.Id, Amount = 400m, Currency = "USD", Method = "card", PaidAt = DateTimeOffset.UtcNow });
        var partial = await EventuallyAsync(api, invoice.Id, i => i.AmountPaid == 400m);
        Assert.Equal("open", partial.Status);
        Assert.Null(partial.PaidAt);

        await bus.Publish(new PaymentSucceeded { TenantId = tenant, PaymentId = "pi_final", InvoiceId = invoice.Id, Amount = invoice.Total - 400m, Currency = "USD", Method = "card", PaidAt = DateTimeOffset.UtcNow });
        var paid = await EventuallyAsync(api, invoice.Id, i => i.Status == "paid");
        Assert.Equal(0m, paid.AmountDue);
        Assert.NotNull(paid.PaidAt);
        Assert.Single(await OutboxEventsAsync<InvoicePaid>(tenant), e => e.InvoiceId == invoice.Id && e.AmountPaid == invoice.Total);

        await bus.Publish(new PaymentRefunded { TenantId = tenant, RefundId = "re_1", PaymentId = "pi_final", InvoiceId = invoice.Id, Amount = 50m, Currency = "USD" });
        var reopened = await EventuallyAsync(api, invoice.Id, i => i.Status == "open");
        Assert.Equal(50m, reopened.AmountDue);
    }

    [Fact]
    public async Task A_chargeback_flags_the_invoice_disputed_once_whatever_the_order_and_a_paid_invoice_stays_paid()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var bus = fixture.Invoicing.Services.GetRequiredService<IBus>();
        var api = fixture.Invoicing.ClientFor(tenant);
        var openedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60);
        var dispute = new PaymentDisputed
        {
            TenantId = tenant, DisputeId = "du_" + Guid.NewGuid().ToString("N"), PaymentId = "pi_disputed", ChargeId = "ch_disputed",
            InvoiceId = invoice.Id, Amount = invoice.Total, Currency = "USD", Reason = "fraudulent", Status = "needs_response", OccurredAt = openedAt,
        };

        // The dispute overtakes the payment it is about.
        await bus.Publish(dispute, c => c.MessageId = dispute.EventId);
        var flagged = await EventuallyAsync(api, invoice.Id, i => i.Disputed);
        await bus.Publish(new PaymentSucceeded { TenantId = tenant, PaymentId = "pi_disputed", InvoiceId = invoice.Id, Amount = invoice.Total, Currency = "USD", Method = "card", PaidAt = openedAt.AddMinutes(-5) });
        await EventuallyAsync(api, invoice.Id, i => i.Status == "paid");
        await bus.Publish(dispute, c => c.MessageId = dispute.EventId);
        await bus.Publish(dispute with { EventId = Guid.CreateVersion7() }, c => c.MessageId = Guid.CreateVersion7());
        await Task.Delay(1500);

        Assert.Equal(("open", invoice.Total), (flagged.Status, flagged.AmountDue));
        var after = (await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{invoice.Id}", Json))!;
        Assert.Equal(("paid", 0m, invoice.Total), (after.Status, after.AmountDue, after.AmountPaid));
        Assert.Equal((true, openedAt, "needs_response"), (after.Disputed, after.DisputedAt, after.DisputeStatus));
        Assert.Single(after.Payments);
        using var list = JsonDocument.Parse(await api.GetStringAsync("/api/invoices?status=paid"));
        var row = Assert.Single(list.RootElement.EnumerateArray(), r => r.GetProperty("id").GetGuid() == invoice.Id);
        Assert.True(row.GetProperty("disputed").GetBoolean());
        Assert.Equal("needs_response", row.GetProperty("disputeStatus").GetString());
        var untouched = (await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{(await SentInvoiceAsync(tenant)).Id}", Json))!;
        Assert.False(untouched.Disputed);
        Assert.Null(untouched.DisputedAt);

        await bus.Publish(Closed(dispute, "won"));
        var won = await EventuallyAsync(api, invoice.Id, i => i.DisputeStatus == "won");
        Assert.Equal(("paid", true, openedAt), (won.Status, won.Disputed, won.DisputedAt));
    }

    [Fact]
    public async Task A_dispute_decided_before_its_opening_arrives_ends_with_the_decision()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var bus = fixture.Invoicing.Services.GetRequiredService<IBus>();
        var api = fixture.Invoicing.ClientFor(tenant);
        var dispute = new PaymentDisputed
        {
            TenantId = tenant, DisputeId = "du_" + Guid.NewGuid().ToString("N"), PaymentId = "pi_partial", ChargeId = "ch_partial",
            InvoiceId = invoice.Id, Amount = 100m, Currency = "USD", Reason = "duplicate", Status = "warning_needs_response",
            OccurredAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600),
        };

        await bus.Publish(Closed(dispute, "lost"));
        await EventuallyAsync(api, invoice.Id, i => i.Disputed);
        await bus.Publish(dispute);
        await Task.Delay(1500);

        var after = (await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{invoice.Id}", Json))!;
        Assert.Equal(("open", true, dispute.OccurredAt, "lost"), (after.Status, after.Disputed, after.DisputedAt, after.DisputeStatus));
        Assert.Equal(invoice.Total, after.AmountDue);
    }

    private static PaymentDisputeClosed Closed(PaymentDisputed dispute, string status) => new()
    {
        TenantId = dispute.TenantId, DisputeId = dispute.DisputeId, PaymentId = dispute.PaymentId, InvoiceId = dispute.InvoiceId,
        Amount = dispute.Amount, Currency = dispute.Currency, Status = status, OpenedAt = dispute.OccurredAt,
    };

    [Fact]
    public async Task A_manual_cash_payment_is_recorded_and_an_overpayment_is_refused()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var api = fixture.Invoicing.ClientFor(tenant, "dispatcher");

        await AssertFieldError(await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/payments", new { amount = invoice.Total + 1m, method = "cash" }), "amount");
        await AssertFieldError(await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/payments", new { amount = 10m, method = "bitcoin" }), "method");
        var partial = await (await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/payments", new { amount = 200m, method = "check", reference = "#1042" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        var paid = await (await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/payments", new { amount = invoice.Total - 200m, method = "cash" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);

        Assert.Equal("open", partial!.Status);
        Assert.Equal(200m, partial.AmountPaid);
        Assert.Equal("paid", paid!.Status);
        Assert.Equal(2, paid.Payments.Count);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsJsonAsync($"/api/invoices/{invoice.Id}/void", new { })).StatusCode);
    }

    [Fact]
    public async Task The_pdf_of_an_issued_invoice_holds_its_number_total_and_due_date()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var api = fixture.Invoicing.ClientFor(tenant);

        var text = await PdfTextAsync(await api.GetAsync($"/api/invoices/{invoice.Id}/pdf"));

        Assert.Contains(invoice.Number!, text, StringComparison.Ordinal);
        Assert.Contains("1,014.49", text, StringComparison.Ordinal);
        Assert.Contains("Dana Reyes", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_pdf_a_service_fetches_for_an_email_is_the_same_invoice_drawn_below_normal_priority()
    {
        var (tenant, invoice) = await SentInvoiceAsync();
        var notifications = fixture.Invoicing.ClientFor(tenant, role: ServiceTokens.Role);

        var text = await PdfTextAsync(await notifications.GetAsync($"/api/invoices/{invoice.Id}/pdf"));

        Assert.Contains(invoice.Number!, text, StringComparison.Ordinal);
        Assert.Contains("1,014.49", text, StringComparison.Ordinal);
        // The service runs in this process: the threads that draw attachments are at nice 10, its other threads are not.
        var threads = Directory.EnumerateDirectories("/proc/self/task")
            .Select(task => (Name: File.ReadAllText(Path.Combine(task, "comm")).Trim(), Nice: ThreadPriorities.Nice(File.ReadAllText(Path.Combine(task, "stat")))))
            .ToList();
        Assert.Contains(threads, t => t.Name == "PDF attachments");
        Assert.All(threads.Where(t => t.Name == "PDF attachments"), t => Assert.Equal(AttachmentRenderer.Nice, t.Nice));
        Assert.Contains(threads, t => t.Name != "PDF attachments" && t.Nice == 0);
    }

    /// <summary>The text of a PDF answered with 200 as application/pdf.</summary>
    private static async Task<string> PdfTextAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        return PdfText(await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<(Guid Tenant, InvoiceResponse Invoice)> SentInvoiceAsync()
    {
        var tenant = Guid.CreateVersion7();
        var api = fixture.Invoicing.ClientFor(tenant);
        (await api.PutAsJsonAsync("/api/invoices/settings", new { taxRate = 0.08m })).EnsureSuccessStatusCode();
        return (tenant, await SentInvoiceAsync(tenant));
    }

    private async Task<InvoiceResponse> SentInvoiceAsync(Guid tenant)
    {
        var api = fixture.Invoicing.ClientFor(tenant);
        var draft = await (await api.PostAsJsonAsync("/api/invoices", new { jobId = await fixture.CompletedJobAsync(tenant) })).Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        var sent = await (await api.PostAsJsonAsync($"/api/invoices/{draft!.Id}/send", new { terms = "net_30" })).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<InvoiceResponse>(Json);
        return sent!;
    }

    private async Task SnapshotStoredAsync(Guid jobId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using (var scope = fixture.Invoicing.Services.CreateAsyncScope())
            {
                if (await scope.ServiceProvider.GetRequiredService<InvoicingDbContext>().JobSnapshots.IgnoreQueryFilters().AnyAsync(s => s.JobId == jobId))
                {
                    return;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, "JobCompleted was not consumed within 30 s.");
            await Task.Delay(100);
        }
    }

    private async Task<List<T>> OutboxEventsAsync<T>(Guid tenant) where T : IntegrationEvent
    {
        await using var scope = fixture.Invoicing.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InvoicingDbContext>();
        var rows = await db.OutboxMessages.Where(m => m.TenantId == tenant && m.Type == typeof(T).FullName).ToListAsync();
        return rows.Select(r => (T)r.ToEvent()).ToList();
    }

    private static async Task<InvoiceResponse> EventuallyAsync(HttpClient api, Guid id, Func<InvoiceResponse, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var invoice = await api.GetFromJsonAsync<InvoiceResponse>($"/api/invoices/{id}", Json);
            if (condition(invoice!))
            {
                return invoice!;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Invoice {id} never reached the expected state; last: {invoice!.Status}, paid {invoice.AmountPaid}.");
            }
            await Task.Delay(100);
        }
    }

    internal static async Task AssertFieldError(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {body}");
    }

    private static string PdfText(byte[] pdf)
    {
        var file = Path.GetTempFileName();
        File.WriteAllBytes(file, pdf);
        using var process = Process.Start(new ProcessStartInfo("pdftotext", [file, "-"]) { RedirectStandardOutput = true })!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        File.Delete(file);
        return text;
    }
}
